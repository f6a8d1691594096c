namespace ParallelDlra.Solvers;

/// <summary>A solver whose state holds spatial fields beside the kinetic unknown (thermal radiative transfer: the
/// material energy). Output writes each as a column of the final field file, an array of every snapshot and a part of
/// the checkpoint (<see cref="CompositeState"/>), by these names.</summary>
public interface ISpatialFields
{
    /// <summary>The fields' names, as they appear in the output (e.g. <c>material_energy</c>).</summary>
    IReadOnlyList<string> FieldNames { get; }

    /// <summary>A copy of the named field on the rank-local cells.</summary>
    double[] Field(string name);
}
