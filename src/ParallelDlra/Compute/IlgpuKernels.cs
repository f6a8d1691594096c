using ILGPU;

namespace ParallelDlra.Compute;

/// <summary>Shape of one stencil application: the block seen as outer × n × inner per column
/// (inner = stride of the axis), the ghost layout (faceCount values per column, position o·inner + i)
/// and the coefficients already multiplied by alpha.</summary>
internal readonly struct StencilShape(int rows, int n, int inner, int faceCount, double minus, double center, double plus)
{
    public readonly int Rows = rows, N = n, Inner = inner, FaceCount = faceCount;
    public readonly double Minus = minus, Center = center, Plus = plus;
}

/// <summary>The ILGPU kernels of <see cref="IlgpuBackend"/>. Every kernel is a static method over a 1D
/// index; blocks are column-major (element (i, j) at i + rows·j). Floating-point sums run in a fixed
/// order that does not depend on the launch configuration, so results are reproducible.</summary>
internal static class IlgpuKernels
{
    /// <summary>y ← a·x + b·y.</summary>
    public static void Axpby(Index1D i, ArrayView<double> x, ArrayView<double> y, double a, double b) => y[i] = a * x[i] + b * y[i];

    /// <summary>y[offsetY + i] ← x[offsetX + i].</summary>
    public static void Copy(Index1D i, ArrayView<double> x, ArrayView<double> y, int offsetX, int offsetY) => y[offsetY + i] = x[offsetX + i];

    /// <summary>y_ij += alpha·w_i·x_ij.</summary>
    public static void Diagonal(Index1D idx, ArrayView<double> w, ArrayView<double> x, ArrayView<double> y, int rows, double alpha)
    {
        int i = idx % rows;
        y[idx] += alpha * w[i] * x[idx];
    }

    /// <summary>y += m·x[−] + c·x + p·x[+] along one axis, the neighbours across the block faces from the ghosts.</summary>
    public static void Stencil(Index1D idx, ArrayView<double> x, ArrayView<double> y, ArrayView<double> ghostLo, ArrayView<double> ghostHi, StencilShape s)
    {
        int j = idx / s.Rows;
        int cell = idx - j * s.Rows;
        int within = cell % s.Inner;
        int line = cell / s.Inner;
        int k = line % s.N;
        int o = line / s.N;
        int g = j * s.FaceCount + o * s.Inner + within;
        double prev = k == 0 ? ghostLo[g] : x[idx - s.Inner];
        double next = k == s.N - 1 ? ghostHi[g] : x[idx + s.Inner];
        y[idx] += s.Minus * prev + s.Center * x[idx] + s.Plus * next;
    }

    /// <summary>y ← x·B + beta·y (B already scaled by alpha, p × q column-major); zeros of B are skipped,
    /// the terms added in row order after the beta·y term (as the CPU backend's sparse path).</summary>
    public static void MultiplySmall(Index1D idx, ArrayView<double> x, ArrayView<double> b, ArrayView<double> y, int rows, int p, double beta)
    {
        int col = idx / rows;
        int i = idx - col * rows;
        double acc = beta == 0.0 ? 0.0 : beta == 1.0 ? y[idx] : beta * y[idx];
        for (int r = 0; r < p; r++)
        {
            double v = b[r + p * col];
            if (v != 0.0) acc += v * x[i + rows * r];
        }
        y[idx] = acc;
    }

    /// <summary>Partial sums of xᵀy: thread (c, a, b) sums x_ia·y_ib over the rows i ≡ c (mod chunks),
    /// into partial[c + chunks·(a + p·b)]. Neighbouring threads read neighbouring rows.</summary>
    public static void GramPartial(Index1D idx, ArrayView<double> x, ArrayView<double> y, ArrayView<double> partial, int rows, int p, int chunks)
    {
        int c = idx % chunks;
        int ab = idx / chunks;
        int a = ab % p;
        int b = ab / p;
        double s = 0.0;
        int xo = a * rows, yo = b * rows;
        for (int i = c; i < rows; i += chunks) s += x[xo + i] * y[yo + i];
        partial[idx] = s;
    }

    /// <summary>Partial column sums: thread (c, j) sums x_ij over the rows i ≡ c (mod chunks).</summary>
    public static void ColumnSumPartial(Index1D idx, ArrayView<double> x, ArrayView<double> partial, int rows, int chunks)
    {
        int c = idx % chunks;
        int j = idx / chunks;
        double s = 0.0;
        int xo = j * rows;
        for (int i = c; i < rows; i += chunks) s += x[xo + i];
        partial[idx] = s;
    }

    /// <summary>result[k] ← Σ_c partial[c + chunks·k], c in increasing order.</summary>
    public static void SumChunks(Index1D k, ArrayView<double> partial, ArrayView<double> result, int chunks)
    {
        double s = 0.0;
        int o = k * chunks;
        for (int c = 0; c < chunks; c++) s += partial[o + c];
        result[k] = s;
    }

    /// <summary>result[j] ← Σ over the listed rows of x_ij, in list order.</summary>
    public static void ColumnSumRows(Index1D j, ArrayView<double> x, ArrayView<int> list, ArrayView<double> result, int rows, int count)
    {
        double s = 0.0;
        int xo = j * rows;
        for (int k = 0; k < count; k++) s += x[xo + list[k]];
        result[j] = s;
    }

    /// <summary>y_ij += c_j·q_i (c already scaled by alpha; zero entries of c leave their column alone).</summary>
    public static void AddOuter(Index1D idx, ArrayView<double> q, ArrayView<double> c, ArrayView<double> y, int rows)
    {
        int j = idx / rows;
        int i = idx - j * rows;
        double cj = c[j];
        if (cj != 0.0) y[idx] += cj * q[i];
    }

    /// <summary>buffer[k + faceCount·j] ← x[cells[k] + rows·j].</summary>
    public static void Gather(Index1D idx, ArrayView<double> x, ArrayView<int> cells, ArrayView<double> buffer, int rows, int faceCount)
    {
        int j = idx / faceCount;
        int k = idx - j * faceCount;
        buffer[idx] = x[cells[k] + rows * j];
    }
}
