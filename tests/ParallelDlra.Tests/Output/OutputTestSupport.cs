using System.Diagnostics;
using ParallelDlra.Cli;
using ParallelDlra.Tests.Support;
using Xunit;

namespace ParallelDlra.Tests.Output;

/// <summary>Running pdlra in-process or as a child process, and the external tools (h5dump, pvpython,
/// pvbatch, Xvfb) these tests spawn. A missing tool fails the test with a message naming <c>make deps</c>.</summary>
internal static class OutputTestSupport
{
    public static string JobDeck(string name) => Path.Combine(TestDecks.RepositoryRoot(), "jobs", name + ".yaml");

    /// <summary>pdlra run in-process; asserts the exit code.</summary>
    public static (string Stdout, string Stderr) Run(int expected, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = Program.Invoke(args, stdout, stderr);
        Assert.True(rc == expected, $"pdlra {string.Join(' ', args)}: exit {rc}, expected {expected}\nstderr:\n{stderr}\nstdout:\n{stdout}");
        return (stdout.ToString(), stderr.ToString());
    }

    /// <summary>Full path of an executable on PATH, or a failed assertion telling how to install it.</summary>
    public static string RequireTool(string name, string package)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        Assert.Fail($"{name} not found on PATH: install {package} with `make deps` (as root), or `apt-get install -y --no-install-recommends {package}`");
        return "";
    }

    /// <summary>Runs a tool to completion (with a time limit) and returns exit code and output.</summary>
    public static (int Code, string Stdout, string Stderr) Spawn(string exe, IEnumerable<string> args, int timeoutSeconds = 120,
        IDictionary<string, string>? environment = null)
    {
        var r = ChildProcess.Run(ChildProcess.Info(exe, args, environment), TimeSpan.FromSeconds(timeoutSeconds));
        Assert.False(r.TimedOut, $"{exe} {string.Join(' ', args)} did not finish in {timeoutSeconds} s");
        return (r.ExitCode, r.Stdout, r.Stderr);
    }

    public static Process Start(string exe, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        return ChildProcess.Start(ChildProcess.Info(exe, args, environment));
    }

    /// <summary>How to start pdlra as a child process: the apphost next to the tests, or dotnet pdlra.dll.</summary>
    public static (string Exe, string[] Prefix) PdlraCommand()
    {
        string dir = AppContext.BaseDirectory;
        string apphost = Path.Combine(dir, "pdlra");
        if (File.Exists(apphost)) return (apphost, []);
        string dll = Path.Combine(dir, "pdlra.dll");
        Assert.True(File.Exists(dll), $"pdlra.dll not found in {dir}");
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
            : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        return (dotnet, [dll]);
    }

    /// <summary>φ of a snapshot file (whole grid).</summary>
    public static double[] ReadPhi(string file)
    {
        using var h5 = ParallelDlra.Output.Hdf5File.Open(file, ParallelDlra.Parallel.SerialCommunicator.Instance);
        return h5.ReadAll("phi");
    }

    public static double[] ReadDoubles(string path) => PhiFiles.ReadDoubles(path);

    /// <summary>The diagnostics rows without the wall-clock column (wall_s, the 9th).</summary>
    public static string[] DiagnosticsWithoutWall(string directory)
        => [.. File.ReadAllLines(Path.Combine(directory, "diagnostics.csv")).Select(l => string.Join(',', l.Split(',').Where((_, i) => i != 8)))];
}
