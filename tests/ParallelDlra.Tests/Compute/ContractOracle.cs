using ParallelDlra.Mesh;
using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Kinetic;

namespace ParallelDlra.Tests.Compute;

/// <summary>Independent oracles for the backend contract: plain loops over the cell multi-index (x fastest,
/// written here from the definitions in docs/conventions.md and <see cref="ParallelDlra.Compute.Halo"/>, not
/// from any backend) and MathNet dense products and QR. Arrays are column-major, rows = cells.</summary>
internal static class ContractOracle
{
    /// <summary>y ← a·x + b·y (x may be y).</summary>
    public static void Axpby(double a, double[] x, double b, double[] y)
    {
        var xs = (double[])x.Clone();
        for (int i = 0; i < y.Length; i++) y[i] = a * xs[i] + b * y[i];
    }

    /// <summary>Columns [from, from + count) of x into y from column to, as if x were copied first (overlap allowed).</summary>
    public static void CopyColumns(int rows, double[] x, int from, double[] y, int to, int count)
    {
        var xs = (double[])x.Clone();
        Array.Copy(xs, from * rows, y, to * rows, count * rows);
    }

    /// <summary>Multi-index of cell c (x fastest).</summary>
    private static int[] Index(int[] cells, int c)
    {
        var ijk = new int[cells.Length];
        for (int d = 0; d < cells.Length; d++) { ijk[d] = c % cells[d]; c /= cells[d]; }
        return ijk;
    }

    private static int Linear(int[] cells, int[] ijk)
    {
        int c = 0, stride = 1;
        for (int d = 0; d < cells.Length; d++) { c += ijk[d] * stride; stride *= cells[d]; }
        return c;
    }

    /// <summary>Position of a face cell in the face layout: the other axes, x fastest.</summary>
    private static int FacePosition(int[] cells, int[] ijk, int axis)
    {
        int pos = 0, stride = 1;
        for (int d = 0; d < cells.Length; d++)
        {
            if (d == axis) continue;
            pos += ijk[d] * stride;
            stride *= cells[d];
        }
        return pos;
    }

    /// <summary>x at the neighbour of cell c along axis on side (−1, +1), from the ghosts across the block face.</summary>
    private static double Neighbour(int[] cells, double[] x, double[][] ghost, int column, int c, int axis, int side)
    {
        int n = cells.Aggregate(1, (a, b) => a * b);
        var ijk = Index(cells, c);
        ijk[axis] += side;
        if (ijk[axis] >= 0 && ijk[axis] < cells[axis]) return x[column * n + Linear(cells, ijk)];
        ijk[axis] -= side;
        int face = 2 * axis + (side < 0 ? 0 : 1);
        int faceCount = n / cells[axis];
        return ghost[face][column * faceCount + FacePosition(cells, ijk, axis)];
    }

    /// <summary>y ← y + alpha·D x for a three-point stencil with ghosts.</summary>
    public static void Stencil(StencilOperator op, int[] cells, double[] x, double[][] ghost, double alpha, double[] y)
    {
        int n = cells.Aggregate(1, (a, b) => a * b), columns = x.Length / n;
        for (int j = 0; j < columns; j++)
            for (int c = 0; c < n; c++)
                y[j * n + c] += alpha * (op.Minus * Neighbour(cells, x, ghost, j, c, op.Axis, -1) + op.Center * x[j * n + c]
                                         + op.Plus * Neighbour(cells, x, ghost, j, c, op.Axis, +1));
    }

    /// <summary>y ← y + alpha·diag(w) x.</summary>
    public static void Diagonal(double[] w, double[] x, double alpha, double[] y)
    {
        for (int i = 0; i < y.Length; i++) y[i] += alpha * w[i % w.Length] * x[i];
    }

    /// <summary>xᵀ y by MathNet.</summary>
    public static Matrix<double> Gram(int rows, double[] x, double[] y) =>
        Matrix<double>.Build.Dense(rows, x.Length / rows, x).TransposeThisAndMultiply(Matrix<double>.Build.Dense(rows, y.Length / rows, y));

    public static double[] ColumnSums(int rows, double[] x, int[]? subset)
    {
        int columns = x.Length / rows;
        var sums = new double[columns];
        for (int j = 0; j < columns; j++)
            foreach (int i in subset ?? Enumerable.Range(0, rows))
                sums[j] += x[j * rows + i];
        return sums;
    }

    /// <summary>The cells adjacent to face f (all columns) in the face layout.</summary>
    public static double[] Face(int[] cells, double[] x, int columns, int face)
    {
        int n = cells.Aggregate(1, (a, b) => a * b), axis = face / 2, faceCount = n / cells[axis];
        var buffer = new double[faceCount * columns];
        for (int c = 0; c < n; c++)
        {
            var ijk = Index(cells, c);
            if (ijk[axis] != (face % 2 == 0 ? 0 : cells[axis] - 1)) continue;
            int pos = FacePosition(cells, ijk, axis);
            for (int j = 0; j < columns; j++) buffer[j * faceCount + pos] = x[j * n + c];
        }
        return buffer;
    }

    /// <summary>MathNet's thin Householder QR, signs chosen so that R's diagonal is non-negative.</summary>
    public static (Matrix<double> Q, Matrix<double> R) Qr(Matrix<double> a)
    {
        var qr = a.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin);
        var q = qr.Q.Clone();
        var r = qr.R.Clone();
        for (int i = 0; i < r.RowCount; i++)
            if (r[i, i] < 0)
            {
                r.SetRow(i, r.Row(i).Negate());
                q.SetColumn(i, q.Column(i).Negate());
            }
        return (q, r);
    }
}
