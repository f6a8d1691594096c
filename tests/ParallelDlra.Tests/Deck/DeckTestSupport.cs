using ParallelDlra.Cli;

namespace ParallelDlra.Tests.Deck;

internal static class DeckTestSupport
{
    /// <summary>The folder holding ParallelDlra.sln, found by walking up from the test binaries.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ParallelDlra.sln"))) return dir.FullName;
        throw new InvalidOperationException("ParallelDlra.sln not found above " + AppContext.BaseDirectory);
    }

    public static IEnumerable<string> JobDecks()
        => Directory.GetFiles(Path.Combine(RepoRoot(), "jobs"), "*.yaml").OrderBy(p => p, StringComparer.Ordinal);

    public static (int Code, string Out, string Err) Invoke(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Invoke(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A fresh temporary folder, removed on dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("pdlra-deck-").FullName;

        public string Write(string name, string text)
        {
            string file = System.IO.Path.Combine(Path, name);
            File.WriteAllText(file, text);
            return file;
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
