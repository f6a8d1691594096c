using System.Numerics;
using System.Runtime.InteropServices;

namespace ParallelDlra.Compute;

/// <summary>Vectorised span kernels of the CPU backend.</summary>
internal static class Kernels
{
    public static void Axpy(double a, ReadOnlySpan<double> x, Span<double> y)
    {
        int i = 0, w = Vector<double>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<double>(a);
            var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
            for (int k = 0; k < vy.Length && k < vx.Length; k++) vy[k] += va * vx[k];
            i = Math.Min(vx.Length, vy.Length) * w;
        }
        for (; i < y.Length; i++) y[i] += a * x[i];
    }

    public static void Axpby(double a, ReadOnlySpan<double> x, double b, Span<double> y)
    {
        int i = 0, w = Vector<double>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<double>(a); var vb = new Vector<double>(b);
            var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
            for (int k = 0; k < vy.Length; k++) vy[k] = va * vx[k] + vb * vy[k];
            i = vy.Length * w;
        }
        for (; i < y.Length; i++) y[i] = a * x[i] + b * y[i];
    }

    public static void Scale(double a, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] *= a;
    }

    /// <summary>y += a·w∘x (element-wise product).</summary>
    public static void AddProduct(double a, ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        int i = 0, width = Vector<double>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<double>(a);
            var vw = MemoryMarshal.Cast<double, Vector<double>>(w);
            var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
            for (int k = 0; k < vy.Length; k++) vy[k] += va * vw[k] * vx[k];
            i = vy.Length * width;
        }
        for (; i < y.Length; i++) y[i] += a * w[i] * x[i];
    }

    /// <summary>y += a·u + b·v + c·w.</summary>
    public static void Combine3(double a, ReadOnlySpan<double> u, double b, ReadOnlySpan<double> v, double c, ReadOnlySpan<double> w, Span<double> y)
    {
        int i = 0, width = Vector<double>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<double>(a); var vb = new Vector<double>(b); var vc = new Vector<double>(c);
            var vu = MemoryMarshal.Cast<double, Vector<double>>(u);
            var vv = MemoryMarshal.Cast<double, Vector<double>>(v);
            var vw = MemoryMarshal.Cast<double, Vector<double>>(w);
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
            for (int k = 0; k < vy.Length; k++) vy[k] += va * vu[k] + vb * vv[k] + vc * vw[k];
            i = vy.Length * width;
        }
        for (; i < y.Length; i++) y[i] += a * u[i] + b * v[i] + c * w[i];
    }

    /// <summary>y ← a·u + b·v + c·w.</summary>
    public static void Set3(double a, ReadOnlySpan<double> u, double b, ReadOnlySpan<double> v, double c, ReadOnlySpan<double> w, Span<double> y)
    {
        int i = 0, width = Vector<double>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<double>(a); var vb = new Vector<double>(b); var vc = new Vector<double>(c);
            var vu = MemoryMarshal.Cast<double, Vector<double>>(u);
            var vv = MemoryMarshal.Cast<double, Vector<double>>(v);
            var vw = MemoryMarshal.Cast<double, Vector<double>>(w);
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
            for (int k = 0; k < vy.Length; k++) vy[k] = va * vu[k] + vb * vv[k] + vc * vw[k];
            i = vy.Length * width;
        }
        for (; i < y.Length; i++) y[i] = a * u[i] + b * v[i] + c * w[i];
    }

    /// <summary>y ← w∘x (element-wise product).</summary>
    public static void SetProduct(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        int i = 0, width = Vector<double>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var vw = MemoryMarshal.Cast<double, Vector<double>>(w);
            var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
            for (int k = 0; k < vy.Length; k++) vy[k] = vw[k] * vx[k];
            i = vy.Length * width;
        }
        for (; i < y.Length; i++) y[i] = w[i] * x[i];
    }

    /// <summary>y += Σ_t terms[t].Value · source[terms[t].Row·stride + offset ..] (in term order, as one axpy after the
    /// other, so the sums are those of single axpys), up to four terms per pass over y.</summary>
    public static unsafe void AddCombination(ReadOnlySpan<(int Row, double Value)> terms, ReadOnlySpan<double> source, int stride, int offset, Span<double> y)
    {
        int len = y.Length, width = Vector<double>.Count;
        for (int t0 = 0; t0 < terms.Length; t0 += 4)
        {
            int count = Math.Min(4, terms.Length - t0);
            var (r0, a0) = terms[t0];
            var (r1, a1) = count > 1 ? terms[t0 + 1] : (r0, 0.0);
            var (r2, a2) = count > 2 ? terms[t0 + 2] : (r0, 0.0);
            var (r3, a3) = count > 3 ? terms[t0 + 3] : (r0, 0.0);
            var s0 = source.Slice(r0 * stride + offset, len); var s1 = source.Slice(r1 * stride + offset, len);
            var s2 = source.Slice(r2 * stride + offset, len); var s3 = source.Slice(r3 * stride + offset, len);
            fixed (double* py = y, p0 = s0, p1 = s1, p2 = s2, p3 = s3)
            {
                int i = 0;
                if (Vector.IsHardwareAccelerated)
                {
                    var v0 = new Vector<double>(a0); var v1 = new Vector<double>(a1); var v2 = new Vector<double>(a2); var v3 = new Vector<double>(a3);
                    switch (count)
                    {
                        case 1:
                            for (; i + width <= len; i += width) Vector.Store(Vector.Load(py + i) + v0 * Vector.Load(p0 + i), py + i);
                            break;
                        case 2:
                            for (; i + width <= len; i += width) Vector.Store(Vector.Load(py + i) + v0 * Vector.Load(p0 + i) + v1 * Vector.Load(p1 + i), py + i);
                            break;
                        case 3:
                            for (; i + width <= len; i += width)
                                Vector.Store(Vector.Load(py + i) + v0 * Vector.Load(p0 + i) + v1 * Vector.Load(p1 + i) + v2 * Vector.Load(p2 + i), py + i);
                            break;
                        default:
                            for (; i + width <= len; i += width)
                                Vector.Store(Vector.Load(py + i) + v0 * Vector.Load(p0 + i) + v1 * Vector.Load(p1 + i) + v2 * Vector.Load(p2 + i) + v3 * Vector.Load(p3 + i), py + i);
                            break;
                    }
                }
                for (; i < len; i++)
                {
                    double acc = py[i] + a0 * p0[i];
                    if (count > 1) acc += a1 * p1[i];
                    if (count > 2) acc += a2 * p2[i];
                    if (count > 3) acc += a3 * p3[i];
                    py[i] = acc;
                }
            }
        }
    }

    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        int i = 0, width = Vector<double>.Count;
        double s = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var acc = Vector<double>.Zero;
            var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
            for (int k = 0; k < vx.Length; k++) acc += vx[k] * vy[k];
            s = Vector.Dot(acc, Vector<double>.One);
            i = vx.Length * width;
        }
        for (; i < x.Length; i++) s += x[i] * y[i];
        return s;
    }

    public static double Sum(ReadOnlySpan<double> x)
    {
        double s = 0;
        foreach (double v in x) s += v;
        return s;
    }
}
