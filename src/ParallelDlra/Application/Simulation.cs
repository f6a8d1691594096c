using System.Diagnostics;
using ParallelDlra.Angular;
using ParallelDlra.Compute;
using ParallelDlra.Deck;
using ParallelDlra.Diagnostics;
using ParallelDlra.Kinetic;
using ParallelDlra.Mesh;
using ParallelDlra.Parallel;
using ParallelDlra.Problems;
using ParallelDlra.Solvers;
using ParallelDlra.Uncertainty;

namespace ParallelDlra.Application;

/// <summary>Everything a run needs besides the deck: the communicator, the backend and how the grid is
/// split (the parallel layer supplies a block and a halo exchange; a serial run owns the whole grid).
/// <see cref="Timers"/>, when set, collects the phase timings of the run: the driver times setup, time
/// loop and output; solvers and integrators may add finer phases to the same instance. <see cref="RunId"/> names the run
/// in every file it writes (set by the driver, the same on every rank).</summary>
public sealed record RunContext(ICommunicator Comm, IComputeBackend Backend, Func<CartesianGrid, bool[], (GridBlock Block, IHaloExchange Halo)>? Decompose = null,
    PhaseTimers? Timers = null, string RunId = "")
{
    /// <summary>The decomposition hook over another communicator (a group of ranks of an ensemble,
    /// <see cref="ICommunicator.Split"/>); null where only one-rank groups are possible (a serial run).</summary>
    public Func<ICommunicator, Func<CartesianGrid, bool[], (GridBlock Block, IHaloExchange Halo)>?>? DecomposeOver { get; init; }

    /// <summary>The context of a run on the group of ranks <paramref name="group"/>: its communicator and decomposition,
    /// the same backend and timers.</summary>
    public RunContext ForGroup(ICommunicator group) => group.Size == 1 && ReferenceEquals(group, Comm) && Comm.Size == 1
        ? this
        : this with { Comm = group, Decompose = group.Size == 1 ? null : DecomposeOver?.Invoke(group)
            ?? throw new NotSupportedException($"no decomposition over a group of {group.Size} ranks in this context") };

    public static RunContext Serial(PhaseTimers? timers = null) => new(SerialCommunicator.Instance, new CpuBackend(), Timers: timers);
}

/// <summary>The assembled problem of a deck: grid block, angular basis, operator, and the problem the solvers
/// consume (<see cref="IKineticProblem"/>: the operator's Kronecker sum, plus a nonlinear reaction when the deck has
/// <c>reaction</c>).</summary>
public sealed record Discretisation(CartesianGrid Grid, GridBlock Block, IHaloExchange Halo, IVelocitySpace Basis, KineticOperator Operator)
{
    /// <summary>The stochastic-Galerkin problem when the deck has one (method stochastic_galerkin), else null.</summary>
    public Uncertainty.StochasticGalerkinTerms? StochasticGalerkin { get; init; }

    /// <summary>The Burgers problem when the deck has <c>problem.model: burgers</c>, else null.</summary>
    public Uncertainty.BurgersProblem? Burgers { get; init; }

    /// <summary>What the solvers consume: right-hand sides, Galerkin coefficients, stability limit, balance terms.</summary>
    public required IKineticProblem Problem { get; init; }

    /// <summary>The discretisation of a deck; <paramref name="basis"/> replaces the deck's velocity space (rS_N: the
    /// ordinates of the current turn).</summary>
    public static Discretisation Build(RunOptions o, RunContext ctx, IVelocitySpace? basis = null)
    {
        var grid = new CartesianGrid(o.Grid.Cells, o.Grid.Extent);
        var periodic = Enumerable.Range(0, grid.Dimension).Select(d => o.Grid.Faces[2 * d].Kind == BoundaryKind.Periodic).ToArray();
        var whole = grid.WholeBlock();
        var (block, halo) = ctx.Decompose?.Invoke(grid, periodic) ?? (whole, new SerialHaloExchange(whole, periodic));
        if (o.Problem.Model == ProblemModel.Burgers) return BuildBurgers(o, ctx, grid, block, halo);
        basis ??= VelocitySpace(o.Angular, grid.Dimension);
        if (o.Uncertainty is { Method: UncertaintyMethod.StochasticGalerkin } sgOptions)
        {
            // Stochastic Galerkin: angle ⊗ chaos, the mean material and the fluctuation terms (Uncertainty/).
            var sg = new Uncertainty.StochasticGalerkinTerms(sgOptions, basis);
            var sgOperator = new KineticOperator(block, sg.Space, sg.MeanMaterials(o.Material.Map), UncertainMaterials.Faces(sgOptions, o.Grid.Faces, null), o.Solver.Flux, o.Solver.SpaceOrder,
                sg.InflowGhosts(o.Grid.Faces));
            sg.AddTo(sgOperator, o.Material.Map);
            return new Discretisation(grid, block, halo, sg.Space, sgOperator)
            {
                Problem = new KroneckerProblem(sgOperator, ctx.Backend, halo, ctx.Comm),
                StochasticGalerkin = sg,
            };
        }
        // Thermal radiative transfer: the operator streams only; absorption, emission and the source are the
        // implicit per-cell exchange of the thermal solver (SolverFactory).
        var streamed = o.Problem.Model == ProblemModel.Thermal ? new MaterialMap("streaming", grid.Dimension, new Material(0, 0, 0), []) : o.Material.Map;
        // The limited schemes: the first-order operator plus the limited flux corrections (LimitedTransportProblem,
        // DensityLimitedProblem).
        bool limited = o.Solver.Limiter != SlopeLimiter.None;
        var op = new KineticOperator(block, basis, streamed, o.Grid.Faces, o.Solver.Flux, limited ? 1 : o.Solver.SpaceOrder, InflowGhosts(o.Grid.Faces, basis));
        IKineticProblem problem = new KroneckerProblem(op, ctx.Backend, halo, ctx.Comm);
        if (o.Solver.Limiter is SlopeLimiter.DensityMc or SlopeLimiter.DensityMinmod or SlopeLimiter.DensityVanAlbada)
            problem = new DensityLimitedProblem(problem, o.Solver.Flux, o.Solver.Limiter, ctx.Backend, halo, ctx.Comm, periodic, share: o.Solver.LimiterShare);
        else if (limited) problem = new LimitedTransportProblem(problem, o.Solver.Flux, o.Solver.Limiter, ctx.Backend, halo, periodic);
        if (o.Reaction is { } reaction)
            problem = new QuadratureReactionProblem(problem, basis.Quadrature(reaction.QuadraturePoints), reaction.Kappa, ctx.Backend, ctx.Comm);
        return new Discretisation(grid, block, halo, basis, op) { Problem = problem };
    }

    /// <summary>The ghost states of anisotropic inflow faces: the projection of ψ_in(Ω) = φ_in g(Ω)/∫g dΩ onto the velocity
    /// space (<see cref="IVelocitySpace.Project"/>), whose incoming characteristics the upwind flux takes, as it takes those
    /// of the isotropic ghost state (φ_in / norm) ι of a plain inflow face; null without a profiled face.</summary>
    public static IReadOnlyList<double[]?>? InflowGhosts(IReadOnlyList<BoundaryFace> faces, IVelocitySpace basis)
    {
        if (!faces.Any(f => f.Kind == BoundaryKind.Inflow && f.Profile is not null)) return null;
        return [.. faces.Select(f =>
        {
            if (f.Kind != BoundaryKind.Inflow || f.Profile is not { } p) return null;
            var g = basis.Project(omega => VelocitySpaces.Gaussian(p.Direction, p.AngularSigma, omega));
            double total = basis.Mass.Norm * VelocitySpaces.Dot(basis.Mass.Direction, g);
            if (!(total > 0)) throw new InputException("grid.boundary: an inflow profile has no mass on this velocity space; allowed: a wider angular_sigma");
            return g.Select(v => v * f.InflowScalarFlux / total).ToArray();
        })];
    }

    /// <summary>Burgers' equation with uncertain Riemann data (<c>problem.model: burgers</c>): scalar ⊗ chaos, the
    /// Lax–Friedrichs flux by quadrature (<see cref="Uncertainty.BurgersProblem"/>). The operator is an empty Kronecker
    /// sum on that space (no linear terms): the problem is the Burgers problem alone.</summary>
    private static Discretisation BuildBurgers(RunOptions o, RunContext ctx, CartesianGrid grid, GridBlock block, IHaloExchange halo)
    {
        var u = o.Uncertainty ?? throw new InputException("problem.model: burgers needs an uncertainty section");
        var chaos = new Uncertainty.ChaosBasis([.. u.Parameters.Select(Uncertainty.StochasticGalerkinTerms.Parameter)], u.Degree,
            u.IndexSet == ChaosIndexSet.Tensor ? Uncertainty.IndexSetKind.Tensor : Uncertainty.IndexSetKind.TotalDegree);
        var space = new Uncertainty.StochasticGalerkinSpace(new ScalarSpace(), chaos);
        Uncertainty.AffineInput Input(UncertainTarget target)
        {
            var (mean, spreads) = u.Affine(target, "background", default);
            return new Uncertainty.AffineInput(mean, spreads);
        }
        var data = new Uncertainty.RiemannData(Input(UncertainTarget.Shock), Input(UncertainTarget.LeftState), Input(UncertainTarget.RightState));
        var burgers = new Uncertainty.BurgersProblem(block, halo, space, data, u.Nodes, ctx.Backend, ctx.Comm);
        var empty = new MaterialMap("burgers", 1, new Material(0, 0, 0), []);
        var op = new KineticOperator(block, space, empty, o.Grid.Faces, o.Solver.Flux);
        return new Discretisation(grid, block, halo, space, op) { Problem = burgers, Burgers = burgers };
    }

    /// <summary>The velocity space of <c>angular</c>: P_N, or S_N on its quadrature.</summary>
    public static IVelocitySpace VelocitySpace(AngularOptions angular, int dimension) => angular.Method switch
    {
        AngularMethod.Sn => angular.Quadrature switch
        {
            QuadratureKind.ProductGaussLegendre => DiscreteOrdinates.ProductGaussLegendre(dimension, angular.Order),
            QuadratureKind.LevelSymmetric => new DiscreteOrdinates(Angular.Quadratures.LevelSymmetric.Create(dimension, angular.Order)),
            QuadratureKind.Lebedev => new DiscreteOrdinates(Angular.Quadratures.Lebedev.Create(dimension, angular.Order)),
            _ => throw new InputException($"angular.quadrature = {angular.Quadrature}: not available in this build"),
        },
        _ when angular.Filter is { } filter => new FilteredPn(PnBasis.Create(dimension, angular.Order), filter),
        _ => PnBasis.Create(dimension, angular.Order),
    };
}

/// <summary>The time loop: Δt from the CFL number, the chosen solver, diagnostics every step and a
/// progress callback. Knows nothing of MPI beyond the communicator's collectives.</summary>
public sealed class Simulation
{
    public Simulation(RunOptions options, RunContext context)
    {
        Options = options;
        Context = context;
        Discretisation = Discretisation.Build(options, context);
        var op = Discretisation.Problem;
        TimeStep = op.TimeStep(options.Time.Cfl);
        Span<double> sigma = [DistributedSums.Max(context.Comm, op.LocalSigmaTMax)];
        if (Discretisation.StochasticGalerkin is { } sg) sigma[0] = Math.Max(sigma[0], sg.LargestSigmaT(options.Material.Map));   // over the parameters' ranges
        // Von Neumann, forward Euler (SSP-RK2 is a convex combination of Euler steps): the checkerboard mode is
        // multiplied by 1 − Δt·(rate + σ_t) per step (rate: IKineticProblem.CheckerboardRate), so |·| ≤ 1 needs
        // Δt·(rate + σ_t) ≤ 2. Δt is proportional to cfl, which gives the largest stable cfl.
        double cfl = options.Time.Cfl, rate = op.CheckerboardRate(), growth = TimeStep * (rate + sigma[0] + Discretisation.Operator.DampingMax);
        if (growth > 2.0 * (1 + 1e-12))
        {
            double largest = 2.0 * cfl / growth;
            throw new InputException($"time.cfl = {cfl}: Δt = {TimeStep:G4} times (the upwind damping {rate:G4} + the largest σ_t = {sigma[0]:G4}" +
                                     (Discretisation.Operator.DampingMax > 0 ? $" + the largest filter rate {Discretisation.Operator.DampingMax:G4}" : "") + ") " +
                                     $"is {growth:G4}, above 2, so the explicit step is unstable (transport and collisions together); " +
                                     $"lower time.cfl to at most {Math.Floor(largest * 1000) / 1000:G3} or refine the grid");
        }
        var phi0 = InitialCondition.ScalarFlux(options.Initial, Discretisation.Block, Discretisation.Basis);
        DivergenceGuard.CheckInitial(options, phi0, context.Comm);
        Solver = SolverFactory.Create(options, Discretisation, context, phi0);
        Discretisation.StochasticGalerkin?.ApplyInitialState(Solver, options.Initial, Discretisation.Block, context.Comm);
        Discretisation.Burgers?.ApplyInitialState(Solver);
        _filter = Uncertainty.ChaosFilter.For(Discretisation.Basis, options.Uncertainty);
        Description = new Output.RunDescription(options, context.Comm, context.RunId, Discretisation.Grid, Discretisation.Block,
            Discretisation.Basis, Solver, History);
    }

    /// <summary>What <c>Output/</c> writes this run from: deck, communicator, run id, grid, block, velocity space, solver
    /// and the diagnostics (the live <see cref="History"/>).</summary>
    public Output.RunDescription Description { get; }

    /// <summary>The filter of filtered stochastic Galerkin, applied after every step; null without one.</summary>
    private readonly Uncertainty.ChaosFilter? _filter;

    public RunOptions Options { get; }
    public RunContext Context { get; }
    public Discretisation Discretisation { get; }
    public ISolver Solver { get; }
    /// <summary>Δt from the CFL condition (the last step is shortened to end exactly at time.end).</summary>
    public double TimeStep { get; }
    public List<StepDiagnostics> History { get; } = [];

    private StepChecks? _checks;

    /// <summary>Step the time loop starts from (0, or the step of a checkpoint).</summary>
    public int StartStep { get; private set; }

    /// <summary>Time the time loop starts from (0, or the time of a checkpoint, bit for bit).</summary>
    public double StartTime { get; private set; }

    /// <summary>Continues a run from a checkpoint: the solver state has been restored by the caller; the loop
    /// then starts at <paramref name="step"/> + 1 from <paramref name="time"/>, after the diagnostics
    /// <paramref name="history"/> of steps 0..<paramref name="step"/>. Call before <see cref="Run"/>.</summary>
    public void Resume(int step, double time, IReadOnlyList<StepDiagnostics> history)
    {
        if (History.Count > 0) throw new InvalidOperationException("Resume must come before Run");
        if (history.Count == 0 || history[^1].Step != step)
            throw new ArgumentException($"the history must end at step {step}", nameof(history));
        StartStep = step;
        StartTime = time;
        History.AddRange(history);
    }

    /// <summary>Runs to time.end (or time.max_steps); calls <paramref name="progress"/> after every step.</summary>
    public void Run(Action<StepDiagnostics>? progress = null)
    {
        double t = StartTime, end = Options.Time.End;
        double wall0 = History.Count > 0 ? History[^1].WallSeconds : 0.0;
        if (_checks is null)
        {
            _checks = new StepChecks(Solver);
            foreach (var h in History) _checks.Account(h);
        }
        var clock = Stopwatch.StartNew();
        var guard = new DivergenceGuard(Options);
        if (History.Count == 0)
        {
            var b0 = Solver.Balance(0.0);
            var first = new StepDiagnostics(0, 0.0, 0.0, Solver.Rank, b0.Mass, b0.Outflow, 0.0, 0.0, b0.OrthonormalityDefect, b0.Absorption, b0.Source,
                FrontPosition: b0.FrontPosition);
            History.Add(first);
        }
        guard.Check(History[0]);
        if (History.Count == 1) _checks.Verify(History[0]);
        for (int step = StartStep + 1; step <= Options.Time.MaxSteps && t < end * (1 - 1e-12); step++)
        {
            double dt = Math.Min(TimeStep, end - t);
            var report = guard.Step(step, t, () =>
            {
                var r = Solver.Step(t, dt);
                _filter?.Apply(Solver);   // the mean mode is untouched: the mass change stays r.MassChange
                return r;
            });
            t += dt;
            if (end - t <= end * 1e-12) t = end;
            var balance = Solver.Balance(t);
            var previous = History[^1];
            double defect = previous.MassDefect + (balance.Mass - previous.Mass - report.MassChange);
            var diag = new StepDiagnostics(step, t, dt, report.Rank, balance.Mass, balance.Outflow, report.DiscardedTail, wall0 + clock.Elapsed.TotalSeconds,
                balance.OrthonormalityDefect, balance.Absorption, balance.Source, defect, balance.FrontPosition);
            History.Add(diag);   // the partial diagnostics written after a failure include this row
            guard.Check(diag); // before the callback: a diverged state is never checkpointed
            _checks.Verify(diag);
            progress?.Invoke(diag);
        }
    }
}

/// <summary>Builds the solver a deck asks for.</summary>
public static class SolverFactory
{
    public static ISolver Create(RunOptions o, Discretisation disc, RunContext ctx, double[] phi0)
    {
        var solver = CreateInner(o, disc, ctx, phi0);
        return o.Angular.Rotation is null ? solver : new RotatedOrdinatesSolver(o, disc, ctx, solver);
    }

    /// <summary>The solver of one discretisation (for rS_N: of one offset of the ordinates).</summary>
    public static ISolver CreateInner(RunOptions o, Discretisation disc, RunContext ctx, double[] phi0)
    {
        var solver = Build(o, disc, ctx, phi0);
        if (solver is LowRank.LowRankSolver low) low.Timers = ctx.Timers;
        if (o.Problem.Model == ProblemModel.Thermal) solver = Thermal(o, disc, ctx, solver);
        return solver;
    }

    /// <summary>The thermal model around a radiation solver over the streaming operator (docs/design.md, "Thermal
    /// radiative transfer").</summary>
    private static ISolver Thermal(RunOptions o, Discretisation disc, RunContext ctx, ISolver radiation)
    {
        var thermal = o.Material.Thermal ?? throw new InputException("material.thermal is missing; allowed: a section with heat_capacity > 0 (required with problem.model: thermal)");
        var e0 = Enumerable.Repeat(thermal.InitialEnergy, disc.Block.Count).ToArray();
        if (thermal.Opacity is { } law)
        {
            // The Marshak wave: constant c_v, σ_a(T), the hot face at x_min (checked by the deck reader: 1D, inflow there).
            var marshak = Problems.Thermal.MarshakExchange.Build(disc.Block, o.Material.Map, thermal, law);
            double boundaryTemperature = Math.Pow(o.Grid.Faces[0].InflowScalarFlux, 0.25);
            var front = new Solvers.Thermal.WaveFront(disc.Grid.Extent[0].Min, disc.Grid.Spacing[0], disc.Grid.CellCount, 0.5 * boundaryTemperature);
            return new Solvers.Thermal.ThermalSolver(radiation, marshak, e0, ctx.Comm, disc.Grid.CellVolume, disc.Basis.Mass.Norm, front);
        }
        var exchange = Problems.Thermal.ThermalExchange.Build(disc.Block, o.Material.Map, thermal);
        return new Solvers.Thermal.ThermalSolver(radiation, exchange, e0, ctx.Comm, disc.Grid.CellVolume, disc.Basis.Mass.Norm);
    }

    private static LowRank.LowRankSetup Setup(RunOptions o, Discretisation disc, RunContext ctx, double[] phi0) =>
        new(disc.Problem, ctx.Backend, ctx.Comm, o.Time.Stepper, o.Solver, phi0, Padding(disc), InitialCondition.Angle(o.Initial, disc.Basis));

    private static ISolver Build(RunOptions o, Discretisation disc, RunContext ctx, double[] phi0) => o.Solver.Kind switch
    {
        SolverKind.FullRank => new FullRankSolver(disc.Problem, ctx.Backend, ctx.Comm, o.Time.Stepper,
            InitialCondition.Moments(phi0, InitialCondition.Angle(o.Initial, disc.Basis), disc.Basis.Count)),
        SolverKind.AugmentedBug or SolverKind.ParallelBug or SolverKind.FixedRankBug or SolverKind.MidpointBug or SolverKind.ParallelBug2 => new LowRank.LowRankSolver(Setup(o, disc, ctx, phi0)),
        _ => throw new InputException($"solver.type = {o.Solver.Kind}: not available in this build"),
    };

    /// <summary>Padding columns for the initial spatial basis: pseudo-random values in [−1, 1] that depend
    /// only on the global cell index and the column (SplitMix64), so every decomposition builds the same X0.</summary>
    private static Func<int, int, double> Padding(Discretisation disc)
    {
        var block = disc.Block;
        var grid = disc.Grid;
        // The global index of every local cell, once (n_cells longs): the basis completion asks for n_cells × (up to 2r)
        // values every step, and the index arithmetic per value cost more than the hash (48 of 550 ms of a 200² P_15 step).
        var globals = new long[block.Count];
        Span<int> ijk = stackalloc int[3];
        for (int local = 0; local < globals.Length; local++)
        {
            block.Index(local, ijk);
            long global = 0, stride = 1;
            for (int d = 0; d < block.Dimension; d++) { global += (block.Offset[d] + ijk[d]) * stride; stride *= grid.Cells[d]; }
            globals[local] = global;
        }
        return (local, column) =>
        {
            ulong z = (ulong)(globals[local] * 1_000_003L + column) + 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (z >> 11) * (2.0 / (1UL << 53)) - 1.0;
        };
    }
}
