using System.Globalization;
using System.Text;
using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Interop;
using ParallelDlra.Mesh;
using ParallelDlra.Parallel;

namespace ParallelDlra.Output;

/// <summary>
/// <c>pdlra reconstruct</c>: rebuilds φ and moments u_i = X (S V(i,:)ᵀ) from the factors a snapshot stores under
/// <c>/factors</c> (<c>output.store_factors: true</c> with a low-rank solver) into a new HDF5 file with the same
/// layout and attributes as a snapshot, plus an XDMF file beside it. Serial: reads the whole X.
/// </summary>
public static class Reconstruction
{
    private static readonly string[] CopiedAttributes = ["time", "step", "rank", "solver", "problem", "dimension", "cells", "origin_xyz", "spacing_xyz",
        "n_moments", "isotropic_moment_norm", "phi_direction", "code_version", "physics_hash", "deck"];

    /// <summary>Default output name: <c>snapshot_000010_reconstructed.h5</c> beside the snapshot.</summary>
    public static string DefaultOutput(string snapshot)
        => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(snapshot))!, Path.GetFileNameWithoutExtension(snapshot) + "_reconstructed.h5");

    /// <param name="snapshot">a snapshot file with /factors</param>
    /// <param name="output">the file to write</param>
    /// <param name="moments">moment indices besides φ; null: the moments stored in the snapshot</param>
    /// <returns>the names of the datasets written and the XDMF file</returns>
    /// <exception cref="InputException">not a snapshot, no factors, or a moment index out of range</exception>
    public static (IReadOnlyList<string> Variables, string Xdmf) Run(string snapshot, string output, IReadOnlyList<int>? moments)
    {
        string what = $"reconstruct {snapshot}";
        if (!File.Exists(snapshot)) throw new InputException($"{what}: file not found; allowed: a snapshot_NNNNNN.h5");
        if (!Hdf5File.IsHdf5(snapshot)) throw new InputException($"{what}: not an HDF5 file (truncated or foreign); allowed: a snapshot_NNNNNN.h5");
        try
        {
            using var src = Hdf5File.Open(snapshot, SerialCommunicator.Instance);
            if (!src.HasAttribute("/", "format") || src.GetString("/", "format") != SnapshotWriter.Format)
                throw new InputException($"{what}: not a pdlra snapshot; allowed: a snapshot_NNNNNN.h5");
            if (!src.Exists("factors/X"))
                throw new InputException($"{what}: the snapshot stores no low-rank factors; allowed: a snapshot of a low-rank run with output.store_factors: true");
            int m = (int)src.GetInt64("/", "n_moments");
            var stored = src.GetString("/", "variables").Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Where(v => v.StartsWith("u_", StringComparison.Ordinal)).Select(v => int.Parse(v[2..], CultureInfo.InvariantCulture)).ToList();
            var wanted = (moments ?? stored).Distinct().ToList();
            foreach (int i in wanted)
                if (i < 0 || i >= m) throw new InputException($"{what}: --moments index {i}; allowed: 0 <= i < n_moments = {m}");

            var xDims = src.Dims("factors/X");
            int r = (int)xDims[0];
            ulong cells = xDims[1] * xDims[2] * xDims[3];
            // One process holds X (r × n_cells) and each reconstructed field: refused before reading, like a run's blocks.
            if ((ulong)r * cells > (ulong)Array.MaxLength)
                throw new InputException($"{what}: X has {r} × {cells.ToString("N0", CultureInfo.InvariantCulture)} entries, more than one array holds ({Array.MaxLength.ToString("N0", CultureInfo.InvariantCulture)}); " +
                                         "allowed: a snapshot of at most that many entries (pdlra reconstruct runs on one process; the snapshot's φ and moments need no reconstruction)");
            int n = (int)cells;
            var x = src.ReadAll("factors/X"); // column j = X[:, j], n values each
            var s = Matrix<double>.Build.DenseOfRowMajor(r, r, src.ReadAll("factors/S"));
            var v = Matrix<double>.Build.DenseOfRowMajor(m, r, src.ReadAll("factors/V"));
            double norm = src.GetDouble("/", "isotropic_moment_norm");
            // φ = norm · dᵀu with the mass direction d of the velocity space that wrote the snapshot (snapshots written
            // before the velocity-space seam store none: they are P_N's).
            var phiDirection = src.HasAttribute("/", "phi_direction") ? src.GetDoubles("/", "phi_direction") : Angular.PnBasis.MassDirection(m);
            if (phiDirection.Length != m) throw new InputException($"{what}: phi_direction has {phiDirection.Length} entries for n_moments = {m}");

            double[] Field(Vector<double> c)
            {
                var f = new double[n];
                for (int j = 0; j < r; j++)
                {
                    double cj = c[j];
                    var col = x.AsSpan(j * n, n);
                    for (int i = 0; i < n; i++) f[i] += col[i] * cj;
                }
                return f;
            }

            var names = new List<string> { "phi" };
            names.AddRange(wanted.Select(i => $"u_{i}"));
            ulong[] dims = [xDims[1], xDims[2], xDims[3]];
            ulong[] zero = [0, 0, 0];
            using (var dst = Hdf5File.Create(output, SerialCommunicator.Instance))
            {
                foreach (var a in CopiedAttributes) CopyAttribute(src, dst, a);
                dst.SetAttribute("/", "format", SnapshotWriter.Format);
                dst.SetAttribute("/", "format_version", 1L);
                dst.SetAttribute("/", "variables", string.Join(" ", names));
                dst.SetAttribute("/", "reconstructed_from", Path.GetFullPath(snapshot));
                dst.WriteBlock("phi", dims, zero, dims, Field(s * Angular.VelocitySpaces.RowCombination(v, phiDirection) * norm));
                foreach (int i in wanted) dst.WriteBlock($"u_{i}", dims, zero, dims, Field(s * v.Row(i)));
            }

            var grid = GridOf(src);
            string xmf = Path.ChangeExtension(output, ".xmf");
            var record = new SnapshotRecord(Path.GetFileName(output), (int)src.GetInt64("/", "step"), src.GetDouble("/", "time"));
            File.WriteAllText(xmf, SnapshotWriter.Xdmf(grid, [record], names), new UTF8Encoding(false));
            return (names, xmf);
        }
        catch (Hdf5Exception e)
        {
            throw new InputException($"{what}: unreadable snapshot ({e.Message})");
        }
    }

    private static Mesh.CartesianGrid GridOf(Hdf5File h5)
    {
        int dim = (int)h5.GetInt64("/", "dimension");
        var origin = h5.GetDoubles("/", "origin_xyz");
        var spacing = h5.GetDoubles("/", "spacing_xyz");
        var cells = new long[dim];
        var all = h5.Dims("factors/X");
        for (int d = 0; d < dim; d++) cells[d] = (long)all[3 - d];
        return new Mesh.CartesianGrid([.. cells.Select(c => (int)c)],
            [.. Enumerable.Range(0, dim).Select(d => new Mesh.Interval(origin[d], origin[d] + cells[d] * spacing[d]))]);
    }

    private static void CopyAttribute(Hdf5File src, Hdf5File dst, string name)
    {
        if (!src.HasAttribute("/", name)) return;
        switch (name)
        {
            case "time" or "isotropic_moment_norm": dst.SetAttribute("/", name, src.GetDouble("/", name)); break;
            case "origin_xyz" or "spacing_xyz" or "phi_direction": dst.SetAttribute("/", name, src.GetDoubles("/", name)); break;
            case "step" or "rank" or "dimension" or "n_moments": dst.SetAttribute("/", name, src.GetInt64("/", name)); break;
            case "cells": dst.SetAttribute("/", name, src.GetDoubles("/", name).Select(c => (long)c).ToArray()); break;
            default: dst.SetAttribute("/", name, src.GetString("/", name)); break;
        }
    }
}
