using System.Collections.Immutable;
using ParallelDlra.Angular;
using ParallelDlra.Kinetic;
using ParallelDlra.Mesh;
using ParallelDlra.Problems;
using Xunit;

namespace ParallelDlra.Tests.Kinetic;

/// <summary>The operator's bookkeeping that the numerical tests do not see (killing surviving mutants of
/// Kinetic/KineticOperator.cs, tests/mutation/README.md): the dimension check of its inputs, and the names of its
/// terms and sources — the labels by which the decomposition check compares the lists of every block
/// (DecompositionTests) and which name a face (x_min … z_max, the deck's words).</summary>
public sealed class KineticOperatorTests
{
    private static CartesianGrid Grid(params int[] cells) =>
        new([.. cells], [.. cells.Select(_ => new Interval(0.0, 1.0))]);

    [Fact]
    public void A_basis_of_another_dimension_than_the_grid_is_refused()
    {
        var map = new MaterialMap("m", 2, new Material(1.0, 0.0, 0.0), []);
        var faces = Enumerable.Repeat(new BoundaryFace(BoundaryKind.Vacuum), 4).ToArray();
        var e = Assert.Throws<ArgumentException>(() => new KineticOperator(Grid(4, 4).WholeBlock(), PnBasis.Create(1, 3), map, faces, FluxKind.Roe));
        Assert.Contains("dimension", e.Message);
    }

    [Fact]
    public void Terms_and_sources_are_named_by_axis_face_and_kind()
    {
        var map = new MaterialMap("m", 2, new Material(0.5, 0.25, 1.0), []);
        BoundaryFace[] faces =
            [new(BoundaryKind.Reflective), new(BoundaryKind.Vacuum), new(BoundaryKind.Vacuum), new(BoundaryKind.Inflow, 2.0)];
        var op = new KineticOperator(Grid(4, 3).WholeBlock(), PnBasis.Create(2, 3), map, faces, FluxKind.Roe);
        Assert.Equal(["advection x", "upwind diffusion x", "reflection x_min", "advection y", "upwind diffusion y", "absorption", "scattering"],
            op.Terms.Select(t => t.Name));
        Assert.Equal(["inflow y_max", "isotropic source"], op.Sources.Select(s => s.Name));
        Assert.Equal([true, false], op.Sources.Select(s => s.Boundary));
        Assert.Equal(["isotropic source"], op.VolumeSources.Select(s => s.Name));
        Assert.Equal([0, 1, 2, 3], op.Outflows.Select(f => f.Face));
    }
}
