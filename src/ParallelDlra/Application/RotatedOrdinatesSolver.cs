using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;
using ParallelDlra.Angular.Quadratures;
using ParallelDlra.Deck;
using ParallelDlra.Kinetic;
using ParallelDlra.Solvers;

namespace ParallelDlra.Application;

/// <summary>rS_N (Camminady, Frank, Küpper and Kusch, JCP 2019): after every step the ordinates turn about z by α
/// (<see cref="RotationOptions"/>) and the solution is interpolated onto the turned set
/// (<see cref="AzimuthalRotation"/>, matrix R). The state moves with it: full rank u ← u Rᵀ; low rank only V changes,
/// V ← R V = Q T (QR, signs so that diag T ≥ 0) and S ← S Tᵀ, so X S Vᵀ becomes X S (RV)ᵀ exactly — n_q × r work,
/// no n_cells-long work. R keeps φ's mass exactly (its columns sum to 1 on each ring) and R d = d, so the mass
/// direction d stays in span(V) for the conservative truncation. The turned set is the same set offset by
/// β ∈ [0, Δφ) (a turn by Δφ only renumbers the ring), so the operator of the next step is the one of offset β′.
/// <para>The turn acts on the live state and the live problem (docs/design.md, "rS_N"): the inner solver maps its own
/// coefficients (<see cref="IAngularMap"/>: full rank u ← u Rᵀ into its second block, low rank V ← Q, S ← S Tᵀ, X untouched;
/// timed as <see cref="TurnPhase"/>), and the problem replaces only its angular part by the one of offset β′
/// (<see cref="IVelocitySpaceSwap"/>: A_d, |A_d|, P, the source vectors, outflow weights and what is derived from them;
/// spatial operators, halos, material arrays and backend buffers stay; timed as <see cref="RebuildPhase"/>). A solver or
/// problem without these seams takes the general path instead: Save, the turn
/// on the copy, a fresh discretisation and inner solver of β′, Restore — O(n_cells) work and allocation per step.</para>
/// <para>Restart (<see cref="IOrdinateTurn"/>): the angle of turn k depends only on k and the seed, so the number of
/// turns and β are the whole rotation state; a checkpoint stores both and <see cref="Resume"/> puts the problem on the
/// ordinates of β before the coefficients are restored, exactly as the uninterrupted run has it after turn k.</para></summary>
public sealed class RotatedOrdinatesSolver : ISolver, IOrdinateTurn
{
    /// <summary>Phase names in the run's timings.</summary>
    public const string TurnPhase = "rS_N turn", RebuildPhase = "rS_N rebuild";

    private readonly RunOptions _options;
    private readonly RunContext _context;
    private readonly double[] _zero;
    private readonly double _spacing;
    private ISolver _inner;
    private Discretisation _current;
    private int _steps;
    /// <summary>Whether the turn is made on the live state and problem (<see cref="IAngularMap"/>, <see cref="IVelocitySpaceSwap"/>).</summary>
    private readonly bool _inPlace;

    public RotatedOrdinatesSolver(RunOptions options, Discretisation discretisation, RunContext context, ISolver first)
    {
        if (discretisation.Basis is not DiscreteOrdinates sn) throw new ArgumentException("rS_N needs discrete ordinates", nameof(discretisation));
        if (sn.Set.Rings.Length == 0) throw new ArgumentException("rS_N needs a ring quadrature (product_gauss_legendre)", nameof(discretisation));
        _options = options;
        _current = discretisation;
        _context = context;
        _inner = first;
        _zero = new double[discretisation.Block.Count];
        _spacing = AzimuthalRotation.Spacing(sn.Set);
        Rotation = options.Angular.Rotation ?? throw new ArgumentException("no angular.rotation", nameof(options));
        _inPlace = first is IAngularMap && discretisation.Problem is IVelocitySpaceSwap { CanSwapVelocitySpace: true };
    }

    /// <summary>Whether the turn is made in place (the inner solver maps its coefficients, the problem swaps its angular
    /// part) rather than through Save, a rebuild and Restore.</summary>
    public bool TurnsInPlace => _inPlace;

    public RotationOptions Rotation { get; }

    /// <summary>The current azimuth offset β ∈ [0, Δφ) of the ordinates.</summary>
    public double Offset { get; private set; }

    /// <summary>The turns made so far.</summary>
    public int Turns => _steps;

    /// <summary>The discretisation of the current offset.</summary>
    public Discretisation Current => _current;

    public string Name => $"{_inner.Name} + rS_N";
    public int Rank => _inner.Rank;
    public bool Conserves => _inner.Conserves;
    public SolverStateKind StateKind => _inner.StateKind;

    public StepReport Step(double t, double dt)
    {
        var report = _inner.Step(t, dt);
        _steps++;
        double alpha = Angle(Rotation, _steps) * _spacing;
        double next = Offset + alpha;
        if (next >= _spacing) next -= _spacing;
        if (_inPlace)
        {
            using (_context.Timers?.Measure(TurnPhase))
                ((IAngularMap)_inner).MapAngular(AzimuthalRotation.Matrix(((DiscreteOrdinates)_current.Basis).Set, Offset, next));
            using (_context.Timers?.Measure(RebuildPhase))
                SwapTo(next);
            return report;
        }
        SolverState turned;
        using (_context.Timers?.Measure(TurnPhase))
            turned = Turn(_inner.Save(), AzimuthalRotation.Matrix(((DiscreteOrdinates)_current.Basis).Set, Offset, next));
        using (_context.Timers?.Measure(RebuildPhase))
        {
            MoveTo(next);
            _inner.Restore(turned);
        }
        return report;
    }

    public void Resume(int turns, double offset)
    {
        if (turns < 0 || !(offset >= 0 && offset < _spacing))
            throw new ArgumentOutOfRangeException(nameof(offset), $"{turns} turns at offset {offset:R}: turns >= 0 and 0 <= offset < {_spacing:R} (the azimuthal spacing)");
        _steps = turns;
        if (turns == 0) return;
        // the problem the uninterrupted run has after turn k: that of offset β (the coefficients follow by Restore)
        if (_inPlace) SwapTo(offset);
        else MoveTo(offset);
    }

    /// <summary>The ordinates of offset <paramref name="offset"/> (the set of the deck's order, turned).</summary>
    private DiscreteOrdinates Ordinates(double offset)
        => new(ProductGaussLegendre.Create(((DiscreteOrdinates)_current.Basis).Set.Dimension, _options.Angular.Order, offset));

    /// <summary>Puts the live problem on the ordinates of offset <paramref name="offset"/> (<see cref="IVelocitySpaceSwap"/>):
    /// only its angular part is made again.</summary>
    private void SwapTo(double offset)
    {
        var basis = Ordinates(offset);
        ((IVelocitySpaceSwap)_current.Problem).SwapVelocitySpace(basis);
        _current = _current with { Basis = basis };
        Offset = offset;
    }

    /// <summary>The general path: replaces the inner solver by a fresh one on a fresh discretisation of offset
    /// <paramref name="offset"/> (its state is set by the caller's Restore).</summary>
    private void MoveTo(double offset)
    {
        var disc = Discretisation.Build(_options, _context, Ordinates(offset));
        var solver = SolverFactory.CreateInner(_options, disc, _context, _zero);
        _inner.Dispose();
        _inner = solver;
        _current = disc;
        Offset = offset;
    }

    /// <summary>α/Δφ of step <paramref name="step"/>: the fixed fraction, or a uniform [0, 1) number from the seed and the
    /// step (SplitMix64), the same on every rank.</summary>
    public static double Angle(RotationOptions rotation, int step)
    {
        if (rotation.Angle == RotationAngle.Fixed) return rotation.Fraction;
        ulong z = (ulong)rotation.Seed * 0x9E3779B97F4A7C15UL + (ulong)step * 0xD1B54A32D192ED03UL + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>The state after the interpolation R: u Rᵀ, or (X, S Tᵀ, Q) with R V = Q T.</summary>
    public static SolverState Turn(SolverState state, Matrix<double> r) => state switch
    {
        MomentsState m => new MomentsState(TurnMoments(m.U, r)),
        FactorsState f => TurnFactors(f, r),
        _ => throw new NotSupportedException($"rS_N cannot turn a {state.GetType().Name}"),
    };

    private static double[] TurnMoments(double[] u, Matrix<double> r)
    {
        int m = r.RowCount, n = u.Length / m;
        var result = new double[u.Length];
        foreach (var (q, p, w) in r.EnumerateIndexed(Zeros.AllowSkip))
        {
            if (w == 0.0) continue;
            // column q of u Rᵀ gets w · column p of u
            for (int i = 0; i < n; i++) result[q * n + i] += w * u[p * n + i];
        }
        return result;
    }

    private static FactorsState TurnFactors(FactorsState f, Matrix<double> r)
    {
        var (q, t) = AngularMap.Turn(f.V, r);
        return new FactorsState(f.X, f.S * t.Transpose(), q);
    }

    public SolverBalance Balance(double t) => _inner.Balance(t);
    public double[] ScalarFlux() => _inner.ScalarFlux();
    public double[] Moments() => _inner.Moments();
    public double[] Moments(IReadOnlyList<int> indices) => _inner.Moments(indices);
    public SolverState Save() => _inner.Save();
    public void Restore(SolverState state) => _inner.Restore(state);
    public void Dispose() => _inner.Dispose();
}
