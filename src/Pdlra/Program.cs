using System.CommandLine;

namespace ParallelDlra.Cli;

/// <summary>Entry point of <c>pdlra</c>: <c>run</c>, <c>check</c>, <c>info</c>, <c>bench</c>, <c>reconstruct</c>.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        int code = Invoke(args, Console.Out, Console.Error);
        if (ParallelDlra.Output.Hdf5File.CloseFailed)
        {
            // HDF5 still holds a file it could not close (a full disk): its exit handler would flush it again and may crash.
            Console.Out.Flush();
            Console.Error.Flush();
            ParallelDlra.Interop.LibC.ExitWithoutHandlers(code);
        }
        return code;
    }

    /// <summary>Runs the command line in-process (tests call this) and returns the exit code.</summary>
    public static int Invoke(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var deck = new Argument<string>("deck") { Description = "YAML input deck" };
        var set = new Option<string[]>("--set")
        {
            Description = "override a deck key: --set time.end=0.5 (repeatable)",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };

        var restart = new Option<string?>("--restart") { Description = "continue from a checkpoint_NNNNNN.h5 of the same deck (bit-identical on the same rank count)" };
        var overwrite = new Option<bool>("--overwrite") { Description = "replace the results of another run in output.directory (otherwise refused)" };
        var run = new Command("run", "run a deck") { deck, set, restart, overwrite };
        run.SetAction(p => Guard(stderr, () => RunCommand.Execute(p.GetValue(deck)!, p.GetValue(set) ?? [], stdout, stderr, p.GetValue(restart), p.GetValue(overwrite))));

        var snapshot = new Argument<string>("snapshot") { Description = "a snapshot_NNNNNN.h5 written with output.store_factors" };
        var reconstructOut = new Option<string?>("--output") { Description = "output file (default: SNAPSHOT with _reconstructed before .h5)" };
        var reconstructMoments = new Option<string?>("--moments") { Description = "moment indices to rebuild besides phi, e.g. 0,1,2 (default: those stored in the snapshot)" };
        var reconstruct = new Command("reconstruct", "rebuild phi and moments from the low-rank factors X, S, V of a snapshot") { snapshot, reconstructOut, reconstructMoments };
        reconstruct.SetAction(p => Guard(stderr, () => ReconstructCommand.Execute(p.GetValue(snapshot)!, p.GetValue(reconstructOut), p.GetValue(reconstructMoments), stdout)));

        var ranks = new Option<int>("--ranks") { Description = "MPI ranks the memory estimate is for (default 1)", DefaultValueFactory = _ => 1 };
        var check = new Command("check", "validate a deck, print the resolved options and the memory estimate per rank") { deck, set, ranks };
        check.SetAction(p => Guard(stderr, () => CheckCommand.Execute(p.GetValue(deck)!, p.GetValue(set) ?? [], stdout, p.GetValue(ranks))));

        var info = new Command("info", "version, MPI library, BLAS/LAPACK provider, GPUs");
        info.SetAction(_ => Guard(stderr, () => InfoCommand.Execute(stdout)));

        var bench = new Command("bench", "benchmarks (figures printed, nothing asserted)");
        var which = new Argument<string>("name")
        {
            Description = $"benchmark name: {string.Join(", ", Benchmarks.Listed)}",
            DefaultValueFactory = _ => "fullrank",
        };
        var benchArgs = new Argument<string[]>("args") { Description = "arguments of the benchmark, if any", Arity = ArgumentArity.ZeroOrMore };
        bench.Arguments.Add(which);
        bench.Arguments.Add(benchArgs);
        bench.SetAction(p => Guard(stderr, () => BenchCommand.Execute(p.GetValue(which)!, p.GetValue(benchArgs) ?? [], stdout)));

        // Hidden: checks of the parallel layer run under mpiexec by the MPI tests.
        var selftest = new Command("selftest", "self-checks of the parallel layer (run under mpiexec): halo, qr, stencil; mpi-bench [largest_bytes]") { Hidden = true };
        var selftestName = new Argument<string>("name") { Description = "halo | qr | stencil | mpi-bench" };
        var selftestArgs = new Argument<string[]>("args") { Description = "mpi-bench: the largest message in bytes (default 8388608), the most repeats of a size (default 2000)", Arity = ArgumentArity.ZeroOrMore };
        selftest.Arguments.Add(selftestName);
        selftest.Arguments.Add(selftestArgs);
        selftest.SetAction(p => Guard(stderr, () => SelfTestCommand.Execute(p.GetValue(selftestName)!, p.GetValue(selftestArgs) ?? [], stdout, stderr)));

        var root = new RootCommand("pdlra: dynamical low-rank approximation of kinetic equations") { run, check, info, bench, reconstruct, selftest };
        string[] listed = ["run", "check", "reconstruct", "info", "bench"];
        if (args.Length == 0)
        {
            stderr.WriteLine(Usage);
            return ExitCodes.BadInput;
        }
        if (!args[0].StartsWith('-') && !listed.Contains(args[0]) && args[0] != selftest.Name)
        {
            stderr.WriteLine($"error: unknown command {args[0]}; allowed: {string.Join(", ", listed)} (pdlra --help)");
            return ExitCodes.BadInput;
        }
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // One line: the first problem (the others usually follow from it) and the usage of the command.
            string more = parsed.Errors.Count > 1 ? $" (and {parsed.Errors.Count - 1} more)" : "";
            stderr.WriteLine($"error: {Flat(parsed.Errors[0].Message).TrimEnd('.')}{more}; allowed: {Flat(Usage.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith($"pdlra {args[0]}", StringComparison.Ordinal)) ?? "pdlra --help")}");
            return ExitCodes.BadInput;
        }
        return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
    }

    /// <summary>What <c>pdlra</c> without arguments prints (on standard error, exit code 2).</summary>
    public const string Usage =
        "usage: pdlra COMMAND ...\n" +
        "  pdlra run DECK.yaml [--set key=value ...] [--restart CHECKPOINT.h5] [--overwrite]\n" +
        "  pdlra check DECK.yaml [--set key=value ...] [--ranks N]\n" +
        "  pdlra reconstruct SNAPSHOT.h5 [--output F.h5] [--moments 0,1,2]\n" +
        "  pdlra info\n" +
        "  pdlra bench fullrank|lowrank|gpu|burgers|uq|linesource|roofline|thermal\n" +
        "pdlra COMMAND --help describes a command; the deck format is in docs/deck.md";

    private static string Flat(string s) => string.Join(' ', s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    /// <summary>Turns bad input into one line and exit code 2, any other failure into exit code 1. Under MPI
    /// the commands apply <see cref="MpiFailurePolicy"/> inside (rank 0 prints bad input, a failing rank
    /// aborts the job); what reaches this guard there failed before MPI was initialised.</summary>
    private static int Guard(TextWriter stderr, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (InputException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (SimulationFailure e)
        {
            stderr.WriteLine($"failure: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            stderr.WriteLine($"failure: {e.GetType().Name}: {e.Message}");
            return ExitCodes.Failure;
        }
    }
}
