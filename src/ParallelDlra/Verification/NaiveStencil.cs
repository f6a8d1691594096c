using ParallelDlra.Mesh;

namespace ParallelDlra.Verification;

/// <summary>The oracle of the wide-stencil tests: (D u)(g) = Σ_o w_o u(g + o·e_axis) on the global grid, from a
/// function of the global multi-index, with the periodic image across a periodic axis and zero beyond a
/// non-periodic face (vacuum ghosts) — a plain loop that knows nothing of blocks, halos or layers.</summary>
public static class NaiveStencil
{
    public static double Apply(AxisStencil s, CartesianGrid grid, IReadOnlyList<bool> periodic, ReadOnlySpan<int> global, Func<int[], double> u)
    {
        int k = s.Reach, axis = s.Axis, n = grid.Cells[axis];
        var at = global.ToArray();
        double sum = 0.0;
        for (int off = -k; off <= k; off++)
        {
            int i = global[axis] + off;
            if (i < 0 || i >= n)
            {
                if (!periodic[axis]) continue;
                i = ((i % n) + n) % n;
            }
            at[axis] = i;
            sum += s.Weights[off + k] * u(at);
        }
        return sum;
    }
}
