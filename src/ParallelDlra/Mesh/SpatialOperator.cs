using System.Collections.Immutable;

namespace ParallelDlra.Mesh;

/// <summary>A sparse spatial operator D acting on the columns of an n_cells-long block. Never stored
/// dense: a three-point stencil along one axis (the fast path of the low-rank projections: shifted-view GEMMs), a
/// stencil of any width along one axis (<see cref="AxisStencil"/>), or a diagonal.</summary>
public abstract record SpatialOperator;

/// <summary>(D u)_i = Minus·u_{i−e_axis} + Center·u_i + Plus·u_{i+e_axis}; neighbours across a block face
/// come from the halo.</summary>
public sealed record StencilOperator(int Axis, double Minus, double Center, double Plus) : SpatialOperator;

/// <summary>(D u)_i = Weights[i]·u_i over the rank-local cells.</summary>
public sealed record DiagonalOperator(double[] Weights) : SpatialOperator;

/// <summary>A stencil of any odd width 2k + 1 along one axis: (D u)_i = Σ_{o=−k..k} Weights[o + k]·u_{i+o·e_axis};
/// neighbours beyond a block face come from the halo, which must be at least <see cref="Reach"/> = k layers deep
/// (e.g. k = 2 for the five-point stencils of a second-order scheme).</summary>
public sealed record AxisStencil : SpatialOperator
{
    public AxisStencil(int axis, ImmutableArray<double> weights)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(axis);
        if (weights.IsDefaultOrEmpty || weights.Length % 2 == 0)
            throw new ArgumentException($"a stencil needs an odd number of weights (offsets −k..k), not {(weights.IsDefault ? 0 : weights.Length)}", nameof(weights));
        Axis = axis;
        Weights = weights;
    }

    public int Axis { get; }

    /// <summary>The weights of the offsets −k..k along the axis.</summary>
    public ImmutableArray<double> Weights { get; }

    /// <summary>k: how many cells the stencil reaches on each side (the halo depth it needs).</summary>
    public int Reach => Weights.Length / 2;

    public bool Equals(AxisStencil? other) => other is not null && Axis == other.Axis && Weights.SequenceEqual(other.Weights);

    public override int GetHashCode() => HashCode.Combine(Axis, Weights.Length, Weights.IsEmpty ? 0 : Weights[0]);
}

/// <summary>The symmetric operator that swaps the values of paired cells: (D u)_{First[p]} = u_{Second[p]} and
/// (D u)_{Second[p]} = u_{First[p]}, zero on every other cell (no halo: both lists are rank-local cells). A reflective
/// face of the second-order scheme uses it: the second ghost layer mirrors the second cell layer, so the cells of
/// layer 1 see R u of layer 2 and those of layer 2 see R u of layer 1.</summary>
public sealed record CellSwap : SpatialOperator
{
    public CellSwap(int[] first, int[] second)
    {
        if (first.Length != second.Length) throw new ArgumentException($"{first.Length} cells paired with {second.Length}", nameof(second));
        First = first;
        Second = second;
    }

    public int[] First { get; }
    public int[] Second { get; }

    /// <summary>y += alpha·D x on one column.</summary>
    public void Apply(ReadOnlySpan<double> x, double alpha, Span<double> y)
    {
        for (int p = 0; p < First.Length; p++)
        {
            y[First[p]] += alpha * x[Second[p]];
            y[Second[p]] += alpha * x[First[p]];
        }
    }
}
