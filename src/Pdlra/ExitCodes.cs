namespace ParallelDlra.Cli;

/// <summary>Process exit codes of <c>pdlra</c>.</summary>
public static class ExitCodes
{
    public const int Done = 0;
    public const int Failure = 1;
    public const int BadInput = 2;
}
