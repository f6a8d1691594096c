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
