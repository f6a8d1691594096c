using System.Collections.Immutable;
using ParallelDlra.Angular;
using ParallelDlra.Deck;
using ParallelDlra.Kinetic;
using ParallelDlra.LowRank;
using ParallelDlra.Mesh;
using ParallelDlra.Problems;
using ParallelDlra.Solvers;

namespace ParallelDlra.Tests.Support;

/// <summary>Option records for small test problems, built in code (the deck files in jobs/ are tested separately).</summary>
public static class TestDecks
{
    public static RunOptions Uniform(int[] cells, double[][] extent, int order, double sigmaS, double sigmaA,
        BoundaryKind boundary, InitialConditionOptions initial, double end, double cfl = 0.9,
        TimeStepperKind stepper = TimeStepperKind.ForwardEuler, FluxKind flux = FluxKind.Roe, SolverKind solver = SolverKind.FullRank,
        int maxSteps = int.MaxValue, double source = 0.0)
    {
        int dim = cells.Length;
        var map = new MaterialMap("uniform", dim, new Material(sigmaS, sigmaA, source), []);
        return new RunOptions(
            new ProblemOptions("test", ""),
            new GridOptions([.. cells], [.. extent.Select(e => new Interval(e[0], e[1]))], [.. Enumerable.Repeat(new BoundaryFace(boundary), 2 * dim)]),
            new AngularOptions(order),
            new MaterialOptions(null, map),
            initial,
            new TimeOptions(end, cfl, stepper, maxSteps),
            new SolverOptions(solver, flux, 10, new TruncationOptions(1e-2, ToleranceKind.Relative, 2, 100), false),
            new OutputOptions(Path.Combine(Path.GetTempPath(), "pdlra-test"), 10, false));
    }

    public static InitialConditionOptions Gaussian(int dim, double sigma, double mass = 1.0) =>
        new(InitialKind.Gaussian, [.. new double[dim]], sigma, mass, 0.0);

    public static InitialConditionOptions Zero(int dim) => new(InitialKind.Zero, [.. new double[dim]], 1.0, 1.0, 0.0);

    /// <summary>Path of a file in tests/data (copied next to the test assembly).</summary>
    public static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "data", name);

    /// <summary>The repository root (the folder holding ParallelDlra.sln).</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ParallelDlra.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
