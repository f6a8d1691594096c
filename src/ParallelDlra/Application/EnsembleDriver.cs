using System.Globalization;
using System.Text;
using NLog;
using ParallelDlra.Deck;
using ParallelDlra.Diagnostics;
using ParallelDlra.Output;
using ParallelDlra.Parallel;
using ParallelDlra.Solvers;
using ParallelDlra.Uncertainty;

namespace ParallelDlra.Application;

/// <summary>
/// The non-intrusive methods (<c>uncertainty.method: collocation | monte_carlo</c>): the members
/// (<see cref="EnsembleMembers"/>, each a deterministic deck, any solver) run on <c>uncertainty.groups</c> groups of
/// ranks (MPI_Comm_split of the job's ranks: group g holds ranks g·P … (g+1)·P − 1, P = ranks/groups, and runs its
/// members with the usual domain decomposition over its P ranks). Members go round by round, member q in round
/// q / groups on group q mod groups; after each round one allreduce tells every rank whether a member failed (the job
/// then ends naming its ξ) and the group roots send the members' whole fields φ_q to rank 0, which forms
/// E = Σ w_q φ_q and Var = Σ w_q (φ_q − E)² in member order — the same sums, in the same order, on any rank count.
/// Writes (rank 0): <c>uq.csv</c> (1D, columns x,E,Var), <c>phi.csv</c>/<c>phi.bin</c>/<c>phi.json</c> holding E[φ],
/// <c>ensemble.csv</c> (member, ξ, weight, mass) and <c>run.yaml</c>.
/// </summary>
public static class EnsembleDriver
{
    public const string MembersFile = "ensemble.csv";
    private static readonly Logger Logger = LogManager.GetLogger("run");
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The ensemble's statistics (on rank 0; empty elsewhere) and the files written.</summary>
    public sealed record Result(FieldStatistics? Statistics, IReadOnlyList<EnsembleMember> Members, IReadOnlyList<string> Files);

    public static Result Run(RunOptions options, RunContext context, string source)
    {
        var u = options.Uncertainty ?? throw new ArgumentException("not an uncertain deck", nameof(options));
        var world = context.Comm;
        if (u.GroupsError(world.Size) is { } groupsError) throw groupsError;
        var members = EnsembleMembers.Of(options);
        int perGroup = world.Size / u.Groups, group = world.Rank / perGroup;
        // One member's run on a group's ranks, sized before anything is allocated (collective over the world).
        ResourceEstimate.Refuse(options, world, perGroup);
        var groupComm = u.Groups == 1 ? world : world.Split(group, world.Rank);
        var groupContext = context.ForGroup(groupComm);
        OutputWriter? writer = null;
        if (world.IsRoot) writer = OutputWriter.Prepare(options.Output.Directory);
        Logger.Info(Inv, $"pdlra run {source}: ensemble of {members.Count} members ({DeckWords.Of(UncertaintyWords.Method, u.Method)}) on {u.Groups} group(s) of {perGroup} rank(s)");

        try
        {
            return RunMembers(options, groupContext, world, groupComm, group, perGroup, members, writer);
        }
        finally
        {
            if (!ReferenceEquals(groupComm, world)) (groupComm as IDisposable)?.Dispose();
        }
    }

    private static Result RunMembers(RunOptions options, RunContext groupContext, ICommunicator world, ICommunicator groupComm, int group, int perGroup,
        IReadOnlyList<EnsembleMember> members, OutputWriter? writer)
    {
        var u = options.Uncertainty!;
        var grid = new Mesh.CartesianGrid(options.Grid.Cells, options.Grid.Extent);
        int cells = checked((int)grid.CellCount);
        var fields = new double[members.Count][];
        var masses = new double[members.Count];
        int rounds = (members.Count + u.Groups - 1) / u.Groups;
        for (int round = 0; round < rounds; round++)
        {
            int mine = round * u.Groups + group;
            double[]? field = null;
            string? failure = null;
            double mass = 0;
            if (mine < members.Count)
            {
                try
                {
                    var sim = new Simulation(members[mine].Options, groupContext);
                    try
                    {
                        sim.Run();
                        mass = sim.History[^1].Mass;
                        field = OutputWriter.GatherScalarFlux(sim.Description);   // on the group's root
                    }
                    finally { sim.Solver.Dispose(); }
                }
                catch (Exception e) when (e is SimulationFailure or InputException)
                {
                    failure = e.Message;
                }
            }
            // Every rank learns whether a member of this round failed, and which (the lowest index).
            Span<double> failed = [failure is null ? double.MaxValue : mine];
            world.AllreduceMin(failed);
            if (failed[0] != double.MaxValue)
            {
                var m = members[(int)failed[0]];
                throw new SimulationFailure($"ensemble member {m.Index} at {m.Describe()} failed: {failure ?? "(on another group of ranks)"}");
            }
            // The group roots' fields to rank 0, in member order (a group with no member this round sends nothing).
            bool sends = groupComm.IsRoot && mine < members.Count;
            var counts = new int[world.Size];
            for (int g = 0; g < u.Groups; g++)
                if (round * u.Groups + g < members.Count) counts[g * perGroup] = cells + 1;
            var send = sends ? [.. field!, mass] : Array.Empty<double>();
            var all = world.IsRoot ? new double[counts.Sum()] : [];
            if (world.Size == 1) all = send;
            else world.Gatherv(send, all, counts);
            if (!world.IsRoot) continue;
            int at = 0;
            for (int g = 0; g < u.Groups; g++)
            {
                int q = round * u.Groups + g;
                if (q >= members.Count) continue;
                fields[q] = all.AsSpan(at, cells).ToArray();
                masses[q] = all[at + cells];
                at += cells + 1;
            }
            Logger.Info(Inv, $"round {round + 1}/{rounds}: members {round * u.Groups}..{Math.Min(members.Count, (round + 1) * u.Groups) - 1} done");
        }
        if (!world.IsRoot) return new Result(null, members, []);

        var stats = ChaosStatistics.OfEnsemble(fields, [.. members.Select(m => m.Weight)]);
        var files = new List<string> { writer!.WriteDeck(options) };
        files.AddRange(writer.WriteField(grid, stats.Mean, options.Time.End, 0, options.Problem.Name));
        if (grid.Dimension == 1)
        {
            var sb = new StringBuilder("x,E,Var\n");
            for (int i = 0; i < cells; i++) sb.Append(Inv, $"{grid.Center(0, i):R},{stats.Mean[i]:R},{stats.Variance[i]:R}\n");
            files.Add(writer.WriteText(UncertaintyOutput.FieldFile, sb.ToString()));
        }
        var table = new StringBuilder("member," + string.Join(",", Enumerable.Range(0, u.Parameters.Length).Select(k => $"xi_{k}")) + ",weight,mass\n");
        foreach (var m in members)
            table.Append(Inv, $"{m.Index},{string.Join(",", m.Xi.Select(x => x.ToString("R", Inv)))},{m.Weight:R},{masses[m.Index]:R}\n");
        files.Add(writer.WriteText(MembersFile, table.ToString()));
        double meanMass = members.Sum(m => m.Weight * masses[m.Index]);
        double varMass = members.Sum(m => m.Weight * (masses[m.Index] - meanMass) * (masses[m.Index] - meanMass));
        Logger.Info(Inv, $"ensemble done: E[mass] = {meanMass:G10}, Var[mass] = {varMass:G6}; wrote {string.Join(", ", files.Select(Path.GetFileName))}");
        return new Result(stats, members, files);
    }
}
