using System.Collections.Immutable;
using System.Text.RegularExpressions;
using ParallelDlra.Angular;
using ParallelDlra.Compute;
using ParallelDlra.Kinetic;
using ParallelDlra.LowRank;
using ParallelDlra.Mesh;
using ParallelDlra.Parallel;
using ParallelDlra.Problems;
using ParallelDlra.Solvers;
using ParallelDlra.Uncertainty;

namespace ParallelDlra.Deck;

/// <summary>Reads a YAML deck (schema in docs/deck.md) into validated <see cref="RunOptions"/>.
/// Every problem throws one <see cref="InputException"/> line naming file:line:column (or the
/// <c>--set</c>), the dotted key and what is allowed.</summary>
public static partial class DeckReader
{
    private static readonly string[] TopKeys = ["problem", "grid", "angular", "material", "initial", "time", "solver", "output", "compute", "reaction", "uncertainty"];
    private static readonly string[] ProblemKeys = ["name", "description", "model"];
    private static readonly string[] GridKeys = ["cells", "extent", "boundary", "inflow_phi"];
    private static readonly string[] AngularKeys = ["method", "order", "quadrature", "filter", "rotation"];
    private static readonly string[] RotationKeys = ["angle", "fraction", "seed"];
    private static readonly string[] AngularFilterKeys = ["type", "strength", "order"];
    private static readonly string[] MaterialKeys = ["file", "thermal", .. MaterialMapReader.MaterialKeys];
    private static readonly string[] InitialKeys = ["type", "center", "sigma", "mass", "value", "direction", "angular_sigma"];
    private static readonly string[] TimeKeys = ["end", "cfl", "stepper", "max_steps", "max_mass_growth"];
    private static readonly string[] SolverKeys = ["type", "flux", "rank", "conservative", "qr", "truncation", "space_order", "limiter", "limiter_share", "step_rejection", "rejection_constant"];
    private static readonly string[] TruncationKeys = ["theta", "tolerance", "per", "relative_to", "r_min", "r_max"];
    private static readonly string[] ComputeKeys = ["backend", "share_gpus", "accelerator"];
    private static readonly string[] ReactionKeys = ["kappa", "quadrature_points"];
    private static readonly string[] OutputKeys = ["directory", "progress_every", "write_field", "snapshot_every", "snapshot_times",
        "moments", "store_factors", "checkpoint_every", "checkpoint_keep"];

    /// <summary>Largest P_N order per dimension (1D, 2D, 3D).</summary>
    public static readonly ImmutableArray<int> MaxOrder = [400, 60, 30];

    /// <summary>Reads the deck at <paramref name="path"/>; relative paths inside it (material.file)
    /// are resolved against the deck's folder.</summary>
    public static RunOptions Load(string path, IReadOnlyList<string> overrides)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new InputException($"{path}: deck file not found; allowed: a path to a YAML deck, e.g. jobs/linesource.yaml");
        return Parse(File.ReadAllText(full), path, Path.GetDirectoryName(full)!, overrides);
    }

    /// <summary>Parses deck text; <paramref name="sourceName"/> names it in messages,
    /// <paramref name="baseDirectory"/> resolves relative file names.</summary>
    public static RunOptions Parse(string yamlText, string sourceName, string baseDirectory, IReadOnlyList<string> overrides)
    {
        var source = YamlSource.Parse(yamlText, sourceName, "deck");
        foreach (var o in overrides) source.ApplyOverride(o);

        var root = Section.Root(source, TopKeys);
        var problem = ReadProblem(root.Sub("problem", ProblemKeys, required: true));
        var grid = ReadGrid(root.Sub("grid", GridKeys, required: true));
        var materialSection = root.Sub("material", MaterialKeys);
        var options = new RunOptions(
            problem,
            grid,
            problem.Model == ProblemModel.Burgers ? ReadBurgersAngular(root) : ReadAngular(root.Sub("angular", AngularKeys, required: true), grid.Dimension),
            ReadMaterial(materialSection, grid.Dimension, baseDirectory) with { Thermal = ReadThermal(root, materialSection, problem) },
            ReadInitial(root.Sub("initial", InitialKeys), grid.Dimension),
            ReadTime(root.Sub("time", TimeKeys, required: true)),
            ReadSolver(root.Sub("solver", SolverKeys)),
            ReadOutput(root.Sub("output", OutputKeys), problem.Name),
            ReadCompute(root.Sub("compute", ComputeKeys)));
        if (root.Optional("reaction") is not null) options = options with { Reaction = ReadReaction(root.Sub("reaction", ReactionKeys), grid.Dimension, options.Angular.Order) };
        options = options with { Uncertainty = ReadUncertainty(root, options.Material, problem.Model, options.Grid, options.Initial) };
        // The statistics of stochastic Galerkin read φ's chaos modes as coefficients of the angular space (P_N's isotropic
        // moment); S_N's density is a weighted sum of ordinates. An ensemble (collocation, Monte Carlo) runs S_N members.
        if (options.Uncertainty is { Method: UncertaintyMethod.StochasticGalerkin } && options.Angular.Method != AngularMethod.Pn)
            throw root.Sub("angular", AngularKeys).Optional("method")!.Error("is not supported with uncertainty.method: stochastic_galerkin",
                "pn with stochastic Galerkin; sn with uncertainty.method: collocation or monte_carlo");
        if (options.Reaction is not null)
        {
            // The reaction's velocity quadrature is built on the P_N basis of a deterministic problem.
            if (options.Angular.Method != AngularMethod.Pn)
                throw root.Sub("angular", AngularKeys).Optional("method")!.Error("is not supported with a reaction section", "pn with reaction");
            if (root.Optional("uncertainty") is { } uq)
                throw uq.Error("is not supported with a reaction section", "no uncertainty section with reaction");
        }
        CheckSecondOrderIntegrator(root, options);
        CheckSpaceOrder(root, options);
        CheckLimits(root, options);
        CheckThermal(root, options);
        CheckBurgers(root, options);
        CheckBeam(root, options);
        CheckInflowProfiles(root, options);
        return options;
    }

    /// <summary>An anisotropic inflow face projects ψ_in(Ω) onto the velocity space (IVelocitySpace.Project): P_N (and
    /// filtered P_N) of a deterministic problem.</summary>
    private static void CheckInflowProfiles(Section root, RunOptions o)
    {
        int f = Enumerable.Range(0, o.Grid.Faces.Length).FirstOrDefault(i => o.Grid.Faces[i].Profile is not null, -1);
        if (f < 0) return;
        var face = root.Sub("grid", GridKeys).Optional("boundary")!.Map(DeckWords.Faces[..o.Grid.Faces.Length]).Optional(DeckWords.Faces[f])!;
        if (o.Angular.Method != AngularMethod.Pn)
            throw face.Error("is an anisotropic inflow, not supported with angular.method: sn", "inflow (one word: isotropic) with S_N; a profile with angular.method: pn");
        if (o.Uncertainty is not null || o.Problem.Model == ProblemModel.Burgers)
            throw face.Error("is an anisotropic inflow, not supported with an uncertainty section", "inflow (one word: isotropic) with uncertainty");
    }

    /// <summary>initial.type: beam projects an anisotropic ψ0(Ω) onto the velocity space (IVelocitySpace.Project): built for
    /// P_N (and filtered P_N) of a deterministic problem.</summary>
    private static void CheckBeam(Section root, RunOptions o)
    {
        if (o.Initial.Kind != InitialKind.Beam) return;
        var type = root.Sub("initial", InitialKeys).Optional("type")!;
        if (o.Angular.Method != AngularMethod.Pn)
            throw type.Error("is not supported with angular.method: sn", "beam with angular.method: pn (the projection of ψ0(Ω) onto the moments)");
        if (o.Uncertainty is not null)
            throw type.Error("is not supported with an uncertainty section", "zero, gaussian or constant with uncertainty");
    }

    /// <summary>solver.space_order: 2 needs SSP-RK2 or SSP-RK3 and at least 2 cells along every axis. Fromm's scheme is
    /// linear and upwind-biased: its Fourier symbol near k = 0 is −iνθ − νθ⁴/8, and forward Euler's amplification
    /// |1 + z|² = 1 + ν²θ² − νθ⁴/4 + … exceeds 1 for small θ at every Δt (unstable); SSP-RK2 is stable for ν ≤ 1 and SSP-RK3
    /// for ν ≤ 1.17 (docs/design.md, "Second order in space"), and time.cfl ≤ 1 is checked already.</summary>
    private static void CheckSpaceOrder(Section root, RunOptions o)
    {
        CheckLimiter(root, o);
        if (o.Solver.SpaceOrder == 1) return;
        var key = root.Sub("solver", SolverKeys).Optional("space_order")!;
        if (o.Time.Stepper == TimeStepperKind.ForwardEuler && !SecondOrderByItself(o.Solver.Kind))
            throw key.Error("is unstable with time.stepper: euler (the linear second-order upwind scheme with forward Euler grows at every time step size)",
                "1 with euler; 2 with time.stepper: ssprk2 or ssprk3, or with solver.type: midpoint_bug or parallel_bug2");
        for (int d = 0; d < o.Grid.Dimension; d++)
            if (o.Grid.Cells[d] < 2)
                throw key.Error($"needs at least 2 cells along every axis (two ghost layers), but grid.cells[{d}] = {o.Grid.Cells[d]}", "1 on a grid with an axis of one cell");
    }

    /// <summary>solver.limiter: minmod and mc are a nonlinear reconstruction, so full rank only (no Kronecker form for the
    /// low-rank projections); density_mc, density_minmod and density_vanalbada (one factor per cell and axis from the density, every solver); all on the second-order scheme, P_N or S_N without stochastic Galerkin, and time.cfl ≤ 1/2: the limited
    /// forward-Euler step is TVD for cfl ≤ 1/2 (Harten 1983; the slope ratio of minmod and MC is at most 2), and SSP-RK2/3
    /// keep that bound (SSP coefficient 1).</summary>
    private static void CheckLimiter(Section root, RunOptions o)
    {
        if (o.Solver.Limiter == SlopeLimiter.None) return;
        var key = root.Sub("solver", SolverKeys).Optional("limiter")!;
        bool density = o.Solver.Limiter is SlopeLimiter.DensityMc or SlopeLimiter.DensityMinmod or SlopeLimiter.DensityVanAlbada;
        if (!density && o.Solver.Kind != SolverKind.FullRank)
            throw key.Error($"is not available with solver.type = {DeckWords.Of(DeckWords.Solver, o.Solver.Kind)} (the limited reconstruction is nonlinear: full rank only)",
                "none, density_mc, density_minmod or density_vanalbada with a low-rank solver; minmod or mc with solver.type: full_rank");
        if (o.Solver.SpaceOrder != 2)
            throw key.Error("needs solver.space_order: 2 (it limits the slopes of the second-order reconstruction)", "none with space_order 1; minmod, mc, density_mc, density_minmod or density_vanalbada with space_order 2");
        if (o.Uncertainty is { Method: UncertaintyMethod.StochasticGalerkin })
            throw key.Error("is not available with uncertainty.method: stochastic_galerkin", "none with stochastic Galerkin");
        if (o.Time.Cfl > 0.5)
            throw key.Error($"needs time.cfl <= 0.5 (the limited step is TVD for cfl <= 1/2), but time.cfl = {o.Time.Cfl.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
                "minmod, mc, density_mc, density_minmod or density_vanalbada with time.cfl <= 0.5");
    }

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex NamePattern();

    private static ProblemOptions ReadProblem(Section s)
    {
        const string nameAllowed = "letters, digits, _ and - (it names the output folder)";
        string name = s.Required("name", nameAllowed).Text(nameAllowed, n => NamePattern().IsMatch(n) ? null : "has characters outside [A-Za-z0-9_-]");
        string description = s.Optional("description")?.Text("any text") ?? "";
        var model = s.Optional("model")?.Word("model", DeckWords.Model) ?? ProblemModel.Kinetic;
        return new ProblemOptions(name, description, model);
    }

    private static GridOptions ReadGrid(Section s)
    {
        const string cellsAllowed = "a list of 1 to 3 integers >= 1, one per dimension";
        var cells = s.Required("cells", cellsAllowed).List(cellsAllowed, 1, 3)
            .Select(v => v.Int("cell counts >= 1", n => n >= 1 ? null : "is not a positive cell count"))
            .ToImmutableArray();
        int dim = cells.Length;

        string extentAllowed = $"one [min, max] per dimension ({dim} for grid.cells of length {dim}), min < max";
        var extentValue = s.Required("extent", extentAllowed);
        var extentItems = extentValue.List(extentAllowed);
        if (extentItems.Count != dim)
            throw extentValue.Error($"has {extentItems.Count} entries but grid.cells has {dim}", extentAllowed);
        var extent = extentItems.Select(v => v.Interval()).ToImmutableArray();

        double inflowPhi = s.Optional("inflow_phi")?.Double("inflow_phi >= 0", v => v >= 0 ? null : "is negative") ?? 1.0;
        var (kinds, where, profiles) = ReadBoundary(s.Optional("boundary"), dim);
        for (int axis = 0; axis < dim; axis++)
        {
            var (lo, hi) = (kinds[2 * axis], kinds[2 * axis + 1]);
            if ((lo == BoundaryKind.Periodic) != (hi == BoundaryKind.Periodic))
            {
                int periodicFace = lo == BoundaryKind.Periodic ? 2 * axis : 2 * axis + 1;
                int otherFace = periodicFace ^ 1;
                var at = where[periodicFace]!;
                throw at.Error($"but grid.boundary.{DeckWords.Faces[otherFace]} is {DeckWords.Of(DeckWords.Boundary, kinds[otherFace])}",
                    $"periodic on both faces of an axis ({DeckWords.Faces[2 * axis]} and {DeckWords.Faces[2 * axis + 1]}) or on neither");
            }
        }
        var faces = kinds.Select((k, f) => new BoundaryFace(k, k == BoundaryKind.Inflow ? profiles[f]?.Phi ?? inflowPhi : 0.0, profiles[f]?.Profile)).ToImmutableArray();
        return new GridOptions(cells, extent, faces);
    }

    /// <summary>Keys of a face given as a map: an anisotropic inflow.</summary>
    private static readonly string[] InflowProfileKeys = ["type", "phi", "direction", "angular_sigma"];

    /// <summary>The kind of each face and, where given one by one, the value that set it; a face given as a map
    /// <c>{type: inflow, phi, direction, angular_sigma}</c> is an anisotropic inflow (its φ_in and profile).</summary>
    private static (BoundaryKind[] Kinds, Value?[] Where, (double? Phi, InflowProfile Profile)?[] Profiles) ReadBoundary(Value? boundary, int dim)
    {
        var kinds = Enumerable.Repeat(BoundaryKind.Vacuum, 2 * dim).ToArray();
        var where = new Value?[2 * dim];
        var profiles = new (double? Phi, InflowProfile Profile)?[2 * dim];
        if (boundary is null) return (kinds, where, profiles);
        if (boundary.Node is YamlDotNet.RepresentationModel.YamlScalarNode)
        {
            var kind = boundary.Word("boundary kind", DeckWords.Boundary);
            Array.Fill(kinds, kind);
            Array.Fill(where, boundary);
            return (kinds, where, profiles);
        }
        if (boundary.Node is YamlDotNet.RepresentationModel.YamlSequenceNode)
            throw boundary.Error("is a list", $"one boundary kind for all faces ({string.Join(" | ", DeckWords.Boundary.Select(b => b.Word))}) or a map of faces");
        var faces = boundary.Map(DeckWords.Faces[..(2 * dim)]);
        for (int f = 0; f < 2 * dim; f++)
        {
            if (faces.Optional(DeckWords.Faces[f]) is not { } v) continue;
            where[f] = v;
            if (v.Node is YamlDotNet.RepresentationModel.YamlMappingNode)
            {
                var m = v.Map(InflowProfileKeys);
                var type = m.Required("type", "inflow (a face given as a map is an anisotropic inflow)");
                if (type.Word("boundary kind", DeckWords.Boundary) != BoundaryKind.Inflow)
                    throw type.Error("is not inflow", "inflow: a face given as a map {type: inflow, direction, angular_sigma[, phi]} is an anisotropic inflow; other kinds are one word");
                kinds[f] = BoundaryKind.Inflow;
                double? phi = m.Optional("phi")?.Double("phi >= 0 (the incoming scalar flux of the face; default grid.inflow_phi)", x => x >= 0 ? null : "is negative");
                string allowed = $"a list of {dim} numbers (the inflow's mean direction components along the grid's axes, each in [-1, 1], not all zero)";
                var dv = m.Required("direction", allowed);
                var direction = dv.List(allowed, dim, dim).Select(x => x.Double(allowed, y => Math.Abs(y) <= 1 ? null : "is outside [-1, 1]")).ToImmutableArray();
                if (direction.All(x => x == 0) || direction.Sum(x => x * x) > 1 + 1e-12)
                    throw dv.Error(direction.All(x => x == 0) ? "is zero" : "is longer than a unit vector", allowed);
                double sigma = m.Required("angular_sigma", "angular_sigma > 0 (the width of the profile in the direction components)")
                    .Double("angular_sigma > 0", x => x > 0 ? null : "is not positive");
                profiles[f] = (phi, new InflowProfile(direction, sigma));
                continue;
            }
            kinds[f] = v.Word("boundary kind", DeckWords.Boundary);
        }
        return (kinds, where, profiles);
    }

    private static AngularOptions ReadAngular(Section s, int dim)
    {
        var method = s.Optional("method")?.Word("angular method", DeckWords.Angular) ?? AngularMethod.Pn;
        if (method == AngularMethod.Sn)
        {
            if (s.Optional("filter") is { } f)
                throw f.Error("is set but angular.method is sn (the filter damps the P_N moments of high degree)", "angular.method: pn with a filter, or no angular.filter");
            return ReadOrdinates(s, dim);
        }
        if (s.Optional("rotation") is { } rot)
            throw rot.Error("is set but angular.method is pn (rS_N rotates the ordinates of S_N)", "angular.method: sn with a rotation, or no angular.rotation");
        if (s.Optional("quadrature") is { } q)
            throw q.Error("is set but angular.method is pn (a quadrature belongs to S_N)", "angular.method: sn with a quadrature, or no angular.quadrature");
        int max = MaxOrder[dim - 1];
        string allowed = $"0 <= N <= {max} in {dim}D";
        int order = s.Required("order", allowed).Int(allowed, n => n < 0 ? "is negative" : n > max ? $"is too large for {dim}D" : null);
        return new AngularOptions(order, Filter: s.Optional("filter") is null ? null : ReadFilter(s.Sub("filter", AngularFilterKeys)));
    }

    /// <summary><c>angular.filter</c>: type, strength σ_f ≥ 0 (the damping rate of degree N), order p ≥ 1
    /// (default 4 for exponential and spherical_spline, 1 for lanczos).</summary>
    private static FilterOptions? ReadFilter(Section s)
    {
        string types = string.Join(" | ", DeckWords.Filter.Select(w => w.Word));
        var type = s.Required("type", types).Word("filter type", DeckWords.Filter);
        double strength = s.Required("strength", "strength >= 0 (the damping rate of the highest degree)")
            .Double("strength >= 0 (the damping rate of the highest degree)", v => v >= 0 ? null : "is negative");
        int order = s.Optional("order")?.Int("an integer order >= 1", n => n >= 1 ? null : "is below 1") ?? (type == FilterKind.Lanczos ? 1 : 4);
        return new FilterOptions(type, strength, order);
    }

    /// <summary>S_N: the quadrature and the orders it offers (<c>Angular.Quadratures.ProductGaussLegendre</c>: an even
    /// number N of Gauss–Legendre nodes in μ, at most the P_N limit of the dimension; <c>LevelSymmetric</c>: N = 2, 4, …,
    /// 16; <c>Lebedev</c>: the degrees of its tables). Level-symmetric and Lebedev sets are built in 2D and 3D and
    /// have no rings, so no rotation.</summary>
    private static AngularOptions ReadOrdinates(Section s, int dim)
    {
        var quadratureValue = s.Optional("quadrature");
        var quadrature = quadratureValue?.Word("quadrature", DeckWords.Quadrature) ?? QuadratureKind.ProductGaussLegendre;
        int order;
        if (quadrature == QuadratureKind.ProductGaussLegendre)
        {
            int max = MaxOrder[dim - 1];
            string allowed = $"an even N with 2 <= N <= {max} in {dim}D for product_gauss_legendre (N nodes in μ, 2N azimuths)";
            order = s.Required("order", allowed).Int(allowed, n => n < 2 ? "is below 2" : n > max ? $"is too large for {dim}D" : n % 2 != 0 ? "is odd" : null);
        }
        else
        {
            string word = DeckWords.Of(DeckWords.Quadrature, quadrature);
            if (dim == 1)
                throw quadratureValue!.Error("is set in 1D (the set lives on the sphere; a slab needs only μ)", "angular.quadrature: product_gauss_legendre in 1D");
            int[] offered = quadrature == QuadratureKind.LevelSymmetric ? Angular.Quadratures.LevelSymmetric.Orders : Angular.Quadratures.Lebedev.Orders;
            string allowed = quadrature == QuadratureKind.LevelSymmetric
                ? $"N in {string.Join(", ", offered)} for level_symmetric (N/2 direction cosines per axis)"
                : $"a degree in {string.Join(", ", offered)} for lebedev (13, 25 and 27 have negative weights)";
            order = s.Required("order", allowed).Int(allowed, n => offered.Contains(n) ? null : $"is not offered by {word}");
        }
        RotationOptions? rotation = null;
        if (s.Optional("rotation") is { } rot)
        {
            if (dim == 1) throw rot.Error("is set in 1D (a slab has no azimuth to rotate)", "angular.rotation in 2D or 3D only");
            if (quadrature != QuadratureKind.ProductGaussLegendre)
                throw rot.Error($"is set with angular.quadrature: {DeckWords.Of(DeckWords.Quadrature, quadrature)} (rS_N interpolates along rings of equally spaced azimuths, which only the product set has)",
                    "angular.quadrature: product_gauss_legendre with angular.rotation");
            var r = s.Sub("rotation", RotationKeys);
            var angle = r.Required("angle", "fixed | random").Word("rotation angle", DeckWords.Rotation);
            const string fractionAllowed = "0 < fraction < 1 (of the azimuthal spacing)";
            double fraction = r.Optional("fraction")?.Double(fractionAllowed, v => v > 0 && v < 1 ? null : "is outside (0, 1)") ?? 0.5;
            long seed = r.Optional("seed")?.Int("an integer seed", _ => null) ?? 1;
            rotation = new RotationOptions(angle, fraction, seed);
        }
        return new AngularOptions(order, AngularMethod.Sn, quadrature, Rotation: rotation);
    }

    private static MaterialOptions ReadMaterial(Section s, int dim, string baseDirectory)
    {
        if (s.Optional("file") is not { } file)
        {
            var uniform = MaterialMapReader.ReadMaterial(s, new Material(0, 0, 0));
            return new MaterialOptions(null, new MaterialMap("uniform", dim, uniform, []));
        }
        foreach (var key in MaterialMapReader.MaterialKeys)
            if (s.Optional(key) is { } both)
                throw both.Error("is given together with material.file", "either material.file or the uniform values sigma_s, sigma_a, source");
        const string allowed = "a material map path relative to the deck's folder";
        string relative = file.Text(allowed);
        string full = Path.GetFullPath(Path.Combine(baseDirectory, relative));
        if (!File.Exists(full)) throw file.Error($"names a file that does not exist ({full})", allowed);
        string shown = Path.GetRelativePath(Environment.CurrentDirectory, full);
        return new MaterialOptions(full, MaterialMapReader.Parse(File.ReadAllText(full), shown, dim));
    }

    private static InitialConditionOptions ReadInitial(Section s, int dim)
    {
        var kind = s.Optional("type")?.Word("initial condition", DeckWords.Initial) ?? InitialKind.Zero;

        var center = ImmutableArray.CreateRange(Enumerable.Repeat(0.0, dim));
        if (s.Optional("center") is { } c)
        {
            string allowed = $"a list of {dim} numbers (the dimension)";
            center = c.List(allowed, dim, dim).Select(v => v.Double(allowed)).ToImmutableArray();
        }

        double sigma;
        if (kind is InitialKind.Gaussian or InitialKind.Beam)
            sigma = s.Required("sigma", "sigma > 0 for a gaussian or a beam").Double("sigma > 0", v => v > 0 ? null : "is not positive");
        else
            sigma = s.Optional("sigma")?.Double("sigma >= 0 (used by gaussian only)", v => v >= 0 ? null : "is negative") ?? 0.0;

        double mass = s.Optional("mass")?.Double("mass >= 0", v => v >= 0 ? null : "is negative") ?? 1.0;
        double value = s.Optional("value")?.Double("value >= 0", v => v >= 0 ? null : "is negative") ?? 0.0;
        if (kind != InitialKind.Beam)
        {
            foreach (var key in (string[])["direction", "angular_sigma"])
                if (s.Optional(key) is { } unused) throw unused.Error("is used by initial.type: beam only", $"no {key} with this initial.type");
            return new InitialConditionOptions(kind, center, sigma, mass, value);
        }
        string allowedDirection = $"a list of {dim} numbers (the beam's mean direction components along the grid's axes, each in [-1, 1], not all zero)";
        var directionNode = s.Required("direction", allowedDirection);
        var direction = directionNode.List(allowedDirection, dim, dim).Select(v => v.Double(allowedDirection, x => Math.Abs(x) <= 1 ? null : "is outside [-1, 1]")).ToImmutableArray();
        if (direction.All(x => x == 0) || direction.Sum(x => x * x) > 1 + 1e-12)
            throw directionNode.Error(direction.All(x => x == 0) ? "is zero" : "is longer than a unit vector", allowedDirection);
        double angularSigma = s.Required("angular_sigma", "angular_sigma > 0 for a beam").Double("angular_sigma > 0", v => v > 0 ? null : "is not positive");
        return new InitialConditionOptions(kind, center, sigma, mass, value, direction, angularSigma);
    }

    private static TimeOptions ReadTime(Section s)
    {
        double end = s.Required("end", "end > 0").Double("end > 0", v => v > 0 ? null : "is not positive");
        double cfl = s.Optional("cfl")?.Double("0 < cfl <= 1", v =>
            v <= 0 ? "is not positive" : v > 1 ? "is beyond the stability limit of the explicit upwind scheme" : null) ?? 0.9;
        var stepper = s.Optional("stepper")?.Word("time stepper", DeckWords.Stepper) ?? TimeStepperKind.ForwardEuler;
        int maxSteps = int.MaxValue;
        if (s.Optional("max_steps") is { } m && !m.IsWord("unlimited"))
            maxSteps = m.Int("an integer >= 1 or unlimited", n => n >= 1 ? null : "is not positive");
        double growth = s.Optional("max_mass_growth")?.Double("a factor >= 1", v => v >= 1 ? null : "is below 1") ?? TimeOptions.DefaultMaxMassGrowth;
        return new TimeOptions(end, cfl, stepper, maxSteps, growth);
    }

    private static SolverOptions ReadSolver(Section s)
    {
        var kind = s.Optional("type")?.Word("solver type", DeckWords.Solver) ?? SolverKind.FullRank;
        var flux = s.Optional("flux")?.Word("numerical flux", DeckWords.Flux) ?? FluxKind.Roe;
        int rank = s.Optional("rank")?.Int("rank >= 1", n => n >= 1 ? null : "is not positive") ?? 10;
        var conservativeValue = s.Optional("conservative");
        bool conservative = conservativeValue?.Bool() ?? false;
        // The fixed-rank BUG starts its S-step from the projection of S0 onto the new bases, which changes the
        // mass by O(Δt): it has no conservative variant (docs/design.md, "What each integrator guarantees").
        if (conservative && kind == SolverKind.FixedRankBug)
            throw conservativeValue!.Error("is not available with solver.type = fixed_rank_bug (its S-step starts from a projection that changes the mass)",
                "false with fixed_rank_bug; true with augmented_bug, parallel_bug, midpoint_bug or parallel_bug2");
        var qr = s.Optional("qr")?.Word("QR method", DeckWords.Qr) ?? QrMethod.CholeskyQr2;
        int spaceOrder = s.Optional("space_order")?.Int("1 (first-order upwind) or 2 (Fromm's second-order upwind scheme)",
            n => n is 1 or 2 ? null : "is not an available spatial order") ?? 1;
        var limiter = s.Optional("limiter")?.Word("slope limiter", DeckWords.Limiter) ?? SlopeLimiter.None;
        var shareValue = s.Optional("limiter_share");
        double share = shareValue?.Double("limiter_share > 0 (the share c of the slope norm in the van Albada epsilon)",
            v => v > 0 && double.IsFinite(v) ? null : "is not a positive number") ?? SolverOptions.DefaultLimiterShare;
        if (shareValue is not null && limiter != SlopeLimiter.DensityVanAlbada)
            throw shareValue.Error("is only read by solver.limiter = density_vanalbada", "a positive number with limiter: density_vanalbada; absent otherwise");

        // The step rejection (Ceruti, Kusch and Lubich 2024): on by default for the parallel and the augmented BUG, refused elsewhere.
        var rejectionValue = s.Optional("step_rejection");
        bool rejection = rejectionValue?.Bool() ?? true;   // (only the parallel and the augmented BUG read it)
        if (rejectionValue is not null && rejection && kind is not (SolverKind.ParallelBug or SolverKind.AugmentedBug))
            throw rejectionValue!.Error($"is only available with solver.type = parallel_bug or augmented_bug (the step rejection repeats a step of a rank-adaptive BUG on wider bases)",
                "true or false with parallel_bug or augmented_bug; false otherwise");
        double rejectionConstant = s.Optional("rejection_constant")?.Double("rejection_constant > 0 (c_eta of the step rejection)", v => v > 0 ? null : "is not positive") ?? 1.0;
        var t = s.Sub("truncation", TruncationKeys);
        double theta = t.Optional("theta")?.Double("theta > 0", v => v > 0 ? null : "is not positive") ?? 1e-2;
        var tolerance = t.Optional("tolerance")?.Word("tolerance kind", DeckWords.Tolerance) ?? ToleranceKind.Relative;
        var per = t.Optional("per")?.Word("what theta is measured against", DeckWords.TruncationPer) ?? TruncationScaling.UnitTime;
        var relativeTo = t.Optional("relative_to")?.Word("what a relative theta is relative to", DeckWords.RelativeTo) ?? RelativeScale.Density;
        var rMinValue = t.Optional("r_min");
        var rMaxValue = t.Optional("r_max");
        int rMin = rMinValue?.Int("r_min >= 1", n => n >= 1 ? null : "is not positive") ?? 2;
        int rMax = rMaxValue?.Int("r_max >= r_min", n => n >= 1 ? null : "is not positive") ?? 100;
        if (rMin > rMax)
        {
            const string allowed = "1 <= r_min <= r_max";
            throw rMinValue is not null
                ? rMinValue.Error($"is larger than solver.truncation.r_max = {rMax}", allowed)
                : rMaxValue!.Error($"is smaller than solver.truncation.r_min = {rMin}", allowed);
        }
        return new SolverOptions(kind, flux, rank, new TruncationOptions(theta, tolerance, rMin, rMax, per, relativeTo), conservative, qr, spaceOrder, limiter, rejection, rejectionConstant, share);
    }

    /// <summary>reaction: κ ≥ 0 and the quadrature points per polar direction (default N + 2; at least N + 1, so that
    /// the rule integrates every product of two P_N moments exactly).</summary>
    private static ReactionOptions ReadReaction(Section s, int dim, int order)
    {
        double kappa = s.Required("kappa", "kappa >= 0").Double("kappa >= 0", v => v >= 0 ? null : "is negative");
        int max = dim == 1 ? 2 * MaxOrder[0] : 2 * MaxOrder[dim - 1];
        string allowed = $"an integer in {order + 1}..{max} (angular.order + 1 or more)";
        int points = s.Optional("quadrature_points")?.Int(allowed, n => n < order + 1 ? "is below angular.order + 1" : n > max ? "is too large" : null) ?? order + 2;
        return new ReactionOptions(kappa, points);
    }

    private static ComputeOptions ReadCompute(Section s)
    {
        var backend = s.Optional("backend")?.Word("compute backend", DeckWords.Backend) ?? BackendKind.Cpu;
        bool share = s.Optional("share_gpus")?.Bool() ?? false;
        var accelerator = s.Optional("accelerator")?.Word("accelerator", DeckWords.Accelerator) ?? AcceleratorKind.Cuda;
        return new ComputeOptions(backend, share, accelerator);
    }

    private static OutputOptions ReadOutput(Section s, string problemName)
    {
        string directory = s.Optional("directory")?.Text("a folder path", d => d.Trim().Length > 0 ? null : "is empty") ?? Path.Combine("out", problemName);
        int every = s.Optional("progress_every")?.Int("progress_every >= 1", n => n >= 1 ? null : "is not positive") ?? 10;
        bool write = s.Optional("write_field")?.Bool() ?? true;
        int snapshotEvery = s.Optional("snapshot_every")?.Int("snapshot_every >= 0 (0: none)", n => n >= 0 ? null : "is negative") ?? 0;
        const string timesAllowed = "a list of times >= 0";
        var times = (s.Optional("snapshot_times")?.List(timesAllowed) ?? [])
            .Select(v => v.Double(timesAllowed, t => t >= 0 ? null : "is negative")).Order().Distinct().ToImmutableArray();
        const string momentsAllowed = "a list of moment indices >= 0 (below n_moments)";
        var moments = (s.Optional("moments")?.List(momentsAllowed) ?? [])
            .Select(v => v.Int(momentsAllowed, i => i >= 0 ? null : "is negative")).Distinct().ToImmutableArray();
        bool factors = s.Optional("store_factors")?.Bool() ?? false;
        int checkpointEvery = s.Optional("checkpoint_every")?.Int("checkpoint_every >= 0 (0: none)", n => n >= 0 ? null : "is negative") ?? 0;
        int keep = s.Optional("checkpoint_keep")?.Int("checkpoint_keep >= 1", n => n >= 1 ? null : "is not positive") ?? 2;
        return new OutputOptions(Path.GetFullPath(directory), every, write, snapshotEvery, times, moments, factors, checkpointEvery, keep);
    }
}
