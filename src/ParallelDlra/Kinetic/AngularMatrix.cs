using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.LinearAlgebra;

namespace ParallelDlra.Kinetic;

/// <summary>
/// A small angular matrix B (n_moments × n_moments) prepared for products B·Y with tall Y
/// (n_moments × r): a multiple of the identity, sparse rows (P_N's A_d has at most six nonzeros a row, its scattering projector one)
/// or dense (|A_d|, through BLAS). Built once per operator term; the product costs what the structure allows.
/// </summary>
public sealed class AngularMatrix
{
    private readonly (int Column, double Value)[][]? _rows;
    private readonly double[]? _dense;
    private readonly double _identityScale;
    private readonly IDenseLinearAlgebra _la;

    public AngularMatrix(Matrix<double> b, IDenseLinearAlgebra? la = null)
    {
        Size = b.RowCount;
        _la = la ?? LinearAlgebraProvider.Default;
        var entries = b.EnumerateIndexed(Zeros.AllowSkip).Where(e => e.Item3 != 0.0).ToArray();
        int nonzeros = entries.Length;
        bool diagonalOnly = nonzeros > 0 && entries.All(e => e.Item1 == e.Item2);
        IsSymmetric = entries.All(e => b[e.Item2, e.Item1] == e.Item3);
        if (diagonalOnly && nonzeros == Size && entries.All(e => e.Item3 == entries[0].Item3))
        {
            Kind = "identity";
            _identityScale = entries[0].Item3;
        }
        else if (nonzeros <= 0.1 * Size * Size)
        {
            Kind = "sparse";
            var rows = new List<(int, double)>[Size];
            for (int i = 0; i < Size; i++) rows[i] = [];
            foreach (var (i, j, v) in entries.OrderBy(e => e.Item1).ThenBy(e => e.Item2)) rows[i].Add((j, v));
            _rows = [.. rows.Select(r => r.ToArray())];
        }
        else
        {
            Kind = "dense";
            _dense = b.AsColumnMajorArray() ?? b.ToColumnMajorArray();   // a dense B's own storage, not a copy
        }
    }

    /// <summary>B = Bᵀ exactly (then B serves for products with Bᵀ too).</summary>
    public bool IsSymmetric { get; }

    public int Size { get; }
    public string Kind { get; }

    /// <summary>B·Y.</summary>
    public Matrix<double> Multiply(Matrix<double> y)
    {
        int r = y.ColumnCount;
        if (_dense is not null)
        {
            var c = new double[Size * r];
            _la.Gemm(Transpose.No, Transpose.No, Size, r, Size, 1.0, _dense, Size, y.AsColumnMajorArray() ?? y.ToColumnMajorArray(), Size, 0.0, c, Size);
            return Matrix<double>.Build.Dense(Size, r, c);
        }
        if (_rows is null) return y * _identityScale;
        var yd = y.AsColumnMajorArray() ?? y.ToColumnMajorArray();
        var result = new double[Size * r];
        for (int j = 0; j < r; j++)
        {
            int off = j * Size;
            for (int i = 0; i < Size; i++)
            {
                double s = 0;
                foreach (var (col, v) in _rows[i]) s += v * yd[off + col];
                result[off + i] = s;
            }
        }
        return Matrix<double>.Build.Dense(Size, r, result);
    }
}
