using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;
using ParallelDlra.Mesh;

namespace ParallelDlra.Kinetic;

/// <summary>
/// The second-order transport of <see cref="KineticOperator"/> (<c>solver.space_order: 2</c>): Fromm's scheme
/// (Fromm 1968; LeVeque, Finite Volume Methods for Hyperbolic Problems, 2002, §6.12: the slope of cell i is the centred
/// (u_{i+1} − u_{i−1})/(2Δx), unlimited). The face states u_L = u_i + (u_{i+1} − u_{i−1})/4 and
/// u_R = u_{i+1} − (u_{i+2} − u_i)/4 enter the same Roe / Rusanov flux F = A(u_L + u_R)/2 − D(u_R − u_L)/2, so the
/// scheme stays linear and separable: per axis
///   du_i/dt ∋ A_d · [−1, 6, 0, −6, 1]/(8Δx) · u_{i−2..i+2}   (a second-order central difference of −∂_x u)
///            + D_d · [−1, 4, −6, 4, −1]/(8Δx) · u_{i−2..i+2}   (−Δx³/8 ∂⁴_x u: fourth-difference upwind dissipation),
/// from (u_L + u_R) = (−u_{i−1} + 5u_i + 5u_{i+1} − u_{i+2})/4 and (u_R − u_L) = (u_{i−1} − 3u_i + 3u_{i+1} − u_{i+2})/4.
/// Two ghost layers per face: zero (vacuum), the periodic or neighbouring cells (halo of depth 2), the isotropic
/// inflow value in both (a source on the first two cell layers), or the mirror images R u of the first two cell
/// layers (reflective: a diagonal term on layer 1 and a <see cref="CellSwap"/> of layers 1 and 2). The outflow of a
/// face is s·dᵀF at the face written in the two cell layers and the two ghost layers, so the balance telescopes exactly.
/// </summary>
public sealed partial class KineticOperator
{
    /// <summary>Fromm's central weights of the offsets −2..2, times 1/(8Δx) (they multiply A_d).</summary>
    public static readonly double[] FrommCentral = [-1.0, 6.0, 0.0, -6.0, 1.0];

    /// <summary>Fromm's dissipation weights of the offsets −2..2, times 1/(8Δx) (they multiply |A_d| or ρ(A_d) I).</summary>
    public static readonly double[] FrommDiffusion = [-1.0, 4.0, -6.0, 4.0, -1.0];

    private void AddSecondOrderAxis(int d, Matrix<double> a, Matrix<double> diffusion, IReadOnlyList<BoundaryFace> faces)
    {
        var block = Block;
        double h = block.Grid.Spacing[d];
        int n = block.Count;
        var mass = Basis.Mass;
        var isotropic = Basis.Isotropic;
        AddOwnTerm($"advection {Axis(d)}", () => new AxisStencil(d, [.. FrommCentral.Select(w => w / (8.0 * h))]), a);
        AddOwnTerm($"upwind diffusion {Axis(d)}", () => new AxisStencil(d, [.. FrommDiffusion.Select(w => w / (8.0 * h))]), diffusion);
        // The weight of the value at offset o in a cell's update (what a ghost at that offset contributes).
        Matrix<double> Ghost(int o) => a * (FrommCentral[o + 2] / (8.0 * h)) + diffusion * (FrommDiffusion[o + 2] / (8.0 * h));

        for (int side = 0; side < 2; side++)
        {
            int f = 2 * d + side;
            if (faces[f].Kind == BoundaryKind.Periodic) continue;
            int s = side == 0 ? -1 : 1;                        // outward normal; ghosts at offsets s, 2s
            bool here = block.OnPhysicalBoundary[f];
            if (here && block.Size[d] < 2)
                throw new ArgumentException($"the second-order scheme needs at least 2 cells along axis {d} next to face {FaceName(f)}");
            var layer1 = OwnCells(f, 0, () => here ? block.LayerCells(f, 1) : []);   // LayerCells scans the block
            var layer2 = OwnCells(f, 1, () => here ? block.LayerCells(f, 2) : []);
            // Layer-1 cells see ghost 1 with weight g1 and ghost 2 with g2; layer-2 cells see ghost 1 with g2.
            var g1 = Ghost(s);
            var g2 = Ghost(2 * s);
            long globalFaceCells = block.Grid.CellCount / block.Grid.Cells[d];
            // The face flux F = A(u_L + u_R)/2 − D(u_R − u_L)/2 in the cell layers 1, 2 and the ghost layers 1, 2; the mass
            // leaving is s·dᵀF: weights (5sA + 3D)/8, (−sA − D)/8 on the cells and (5sA − 3D)/8, (−sA + D)/8 on the ghosts.
            var a0 = VelocitySpaces.RowCombination(a, mass.Direction);
            var d0 = VelocitySpaces.RowCombination(diffusion, mass.Direction);
            var w1 = (a0 * (5.0 * s) + d0 * 3.0) / 8.0;
            var w2 = (a0 * -s - d0) / 8.0;
            var gw1 = (a0 * (5.0 * s) - d0 * 3.0) / 8.0;
            var gw2 = (a0 * s - d0) / -8.0;
            double constant = 0.0;
            switch (faces[f].Kind)
            {
                case BoundaryKind.Reflective:
                {
                    // Ghost layer l = R u of cell layer l.
                    var r = Basis.Reflection(d);
                    AddOwnTerm($"reflection {FaceName(f)}", () => new DiagonalOperator(Indicator(n, layer1)), g1 * r);
                    AddOwnTerm($"reflection {FaceName(f)} layer 2", () => new CellSwap(layer1, layer2), g2 * r);
                    w1 += r.TransposeThisAndMultiply(gw1);
                    w2 += r.TransposeThisAndMultiply(gw2);
                    break;
                }
                case BoundaryKind.Inflow:
                {
                    // Both ghost layers hold g0 ι: sources (g1 + g2) ι g0 on layer 1 and g2 ι g0 on layer 2.
                    var (g0, iota) = InflowGhost(f, faces[f], isotropic);
                    var first = VelocitySpaces.ColumnCombination(g1 + g2, iota) * g0;
                    var second = VelocitySpaces.ColumnCombination(g2, iota) * g0;
                    AddOwnSource($"inflow {FaceName(f)}", first.ToArray(), () => { var indicator1 = Indicator(n, layer1); return _ => indicator1; }, false, boundary: true);
                    AddOwnSource($"inflow {FaceName(f)} layer 2", second.ToArray(), () => { var indicator2 = Indicator(n, layer2); return _ => indicator2; }, false, boundary: true);
                    constant = VelocitySpaces.Dot(iota, (gw1 + gw2).ToArray()) * g0 * globalFaceCells;   // the whole face's, on every rank
                    break;
                }
            }
            double scale = block.Grid.FaceArea(d) * mass.Norm;
            AddOwnOutflow(f, layer1, (w1 * scale).ToArray(), constant * scale);
            AddOwnOutflow(f, layer2, (w2 * scale).ToArray(), 0.0);
        }
    }

    /// <summary>The value of a stencil on the checkerboard mode (−1)^i: Σ_o w_o (−1)^o.</summary>
    private static double CheckerboardValue(AxisStencil s)
    {
        double sum = 0.0;
        for (int o = -s.Reach; o <= s.Reach; o++) sum += s.Weights[o + s.Reach] * (o % 2 == 0 ? 1.0 : -1.0);
        return sum;
    }
}
