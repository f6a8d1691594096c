using System.Text;
using ParallelDlra.Interop;
using ParallelDlra.Parallel;
using static ParallelDlra.Interop.LibHdf5;

namespace ParallelDlra.Output;

/// <summary>
/// One open HDF5 file, with the few operations the output needs: datasets of float64/int64 written as
/// one hyperslab per rank (or whole by rank 0 when the data are replicated), groups and scalar/array/string
/// attributes. Every HDF5 object but the file is opened and closed inside one method.
/// <para>Parallel: when the communicator has more than one rank it must implement
/// <see cref="IMpiCommunicatorHandle"/>; the file is then opened with the MPI-IO driver on that
/// communicator and data are transferred collectively, so every rank must make the same calls in the
/// same order (metadata calls with identical arguments). With one rank the default driver is used.</para>
/// </summary>
internal sealed class Hdf5File : IDisposable
{
    private long _file;
    private readonly long _dxpl;
    private readonly ICommunicator _comm;

    private Hdf5File(string path, long file, long dxpl, ICommunicator comm)
    {
        Path = path;
        _file = file;
        _dxpl = dxpl;
        _comm = comm;
    }

    public string Path { get; }

    /// <summary>True when the file is opened with MPI-IO and transfers are collective.</summary>
    public bool Collective => _dxpl != H5P_DEFAULT;

    /// <summary>Creates (truncates) <paramref name="path"/>.</summary>
    public static Hdf5File Create(string path, ICommunicator comm) => OpenOrCreate(path, comm, create: true);

    /// <summary>Opens <paramref name="path"/> read-only.</summary>
    public static Hdf5File Open(string path, ICommunicator comm) => OpenOrCreate(path, comm, create: false);

    private static Hdf5File OpenOrCreate(string path, ICommunicator comm, bool create)
    {
        var ids = Ids;
        long fapl = H5P_DEFAULT, dxpl = H5P_DEFAULT;
        if (comm.Size > 1)
        {
            if (comm is not IMpiCommunicatorHandle mpi)
                throw new NotSupportedException($"parallel HDF5 output on {comm.Size} ranks needs a communicator that implements IMpiCommunicatorHandle ({comm.GetType().Name} does not)");
            if (!ids.HasMpio)
                throw new Hdf5Exception($"HDF5 {ids.Version} loaded here is a serial build (no H5Pset_fapl_mpio); install libhdf5-openmpi-dev");
            fapl = Check(H5Pcreate(ids.FileAccess), "H5Pcreate(H5P_FILE_ACCESS)");
            try
            {
                Check(H5Pset_fapl_mpio(fapl, mpi.MpiComm, mpi.MpiInfoNull), "H5Pset_fapl_mpio");
            }
            catch
            {
                H5Pclose(fapl);
                throw;
            }
            dxpl = Check(H5Pcreate(ids.DatasetXfer), "H5Pcreate(H5P_DATASET_XFER)");
            Check(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio");
        }
        try
        {
            long file = create
                ? Check(H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl), $"H5Fcreate({path})")
                : Check(H5Fopen(path, H5F_ACC_RDONLY, fapl), $"H5Fopen({path})");
            return new Hdf5File(path, file, dxpl, comm);
        }
        catch
        {
            if (dxpl != H5P_DEFAULT) H5Pclose(dxpl);
            throw;
        }
        finally
        {
            if (fapl != H5P_DEFAULT) H5Pclose(fapl);
        }
    }

    /// <summary>Whether <paramref name="path"/> is a readable HDF5 file (false for a missing, truncated or foreign file).</summary>
    public static bool IsHdf5(string path)
    {
        _ = Ids;
        return File.Exists(path) && H5Fis_hdf5(path) > 0;
    }

    public void Dispose()
    {
        if (_file == 0) return;
        long file = _file;
        _file = 0;
        if (_dxpl != H5P_DEFAULT) H5Pclose(_dxpl);
        int status = H5Fclose(file);
        if (status < 0) CloseFailed = true;
        Check(status, $"H5Fclose({Path})");
    }

    /// <summary>Set when closing a file failed (e.g. a full disk): the HDF5 library then still holds the file, and
    /// its exit handler would try to flush it again and may crash, so <c>pdlra</c> ends without running it.</summary>
    public static bool CloseFailed { get; private set; }

    // ---- groups -----------------------------------------------------------------------------------

    public void CreateGroup(string path) => Check(H5Gclose(Check(H5Gcreate2(_file, path, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), $"H5Gcreate2({path})")), "H5Gclose");

    /// <summary>Whether a link <paramref name="path"/> exists (each parent must exist; checked one by one).</summary>
    public bool Exists(string path)
    {
        var parts = path.Trim('/').Split('/');
        string prefix = "";
        foreach (var p in parts)
        {
            prefix += "/" + p;
            if (!CheckBool(H5Lexists(_file, prefix, H5P_DEFAULT), $"H5Lexists({prefix})")) return false;
        }
        return true;
    }

    // ---- datasets ---------------------------------------------------------------------------------

    /// <summary>Creates float64 dataset <paramref name="name"/> of shape <paramref name="globalDims"/> (C order)
    /// and writes this rank's hyperslab [start, start + count) from <paramref name="data"/> (C order of the block).</summary>
    public unsafe void WriteBlock(string name, ReadOnlySpan<ulong> globalDims, ReadOnlySpan<ulong> start, ReadOnlySpan<ulong> count, ReadOnlySpan<double> data)
    {
        if (Product(count) != (ulong)data.Length)
            throw new ArgumentException($"{name}: block of {Product(count)} values, data {data.Length}", nameof(data));
        fixed (double* p = data)
            Write(name, Ids.NativeDouble, globalDims, start, count, p, selectNone: false);
    }

    /// <summary>Creates float64 dataset <paramref name="name"/> and writes it whole from rank 0 (the data are
    /// the same on every rank; the other ranks take part with an empty selection).</summary>
    public unsafe void WriteReplicated(string name, ReadOnlySpan<ulong> dims, ReadOnlySpan<double> data)
    {
        CheckWhole(name, dims, data.Length);
        Span<ulong> zero = stackalloc ulong[dims.Length];
        fixed (double* p = data)
            Write(name, Ids.NativeDouble, dims, zero, dims, p, selectNone: _comm.Rank != 0);
    }

    /// <summary>As <see cref="WriteReplicated(string, ReadOnlySpan{ulong}, ReadOnlySpan{double})"/> for int64.</summary>
    public unsafe void WriteReplicated(string name, ReadOnlySpan<ulong> dims, ReadOnlySpan<long> data)
    {
        CheckWhole(name, dims, data.Length);
        Span<ulong> zero = stackalloc ulong[dims.Length];
        fixed (long* p = data)
            Write(name, Ids.NativeInt64, dims, zero, dims, p, selectNone: _comm.Rank != 0);
    }

    private static void CheckWhole(string name, ReadOnlySpan<ulong> dims, int length)
    {
        if (Product(dims) != (ulong)length)
            throw new ArgumentException($"{name}: shape holds {Product(dims)} values, data {length}");
    }

    private unsafe void Write(string name, long type, ReadOnlySpan<ulong> dims, ReadOnlySpan<ulong> start, ReadOnlySpan<ulong> count, void* buffer, bool selectNone)
    {
        long fileSpace = -1, memSpace = -1, dataset = -1;
        try
        {
            fixed (ulong* d = dims)
                fileSpace = Check(H5Screate_simple(dims.Length, d, null), "H5Screate_simple");
            dataset = Check(H5Dcreate2(_file, name, type, fileSpace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), $"H5Dcreate2({name})");
            memSpace = Select(fileSpace, start, count, selectNone);
            Check(H5Dwrite(dataset, type, memSpace, fileSpace, _dxpl, buffer), $"H5Dwrite({name})");
        }
        finally
        {
            if (dataset >= 0) H5Dclose(dataset);
            if (memSpace >= 0) H5Sclose(memSpace);
            if (fileSpace >= 0) H5Sclose(fileSpace);
        }
    }

    /// <summary>Selects [start, start + count) in <paramref name="fileSpace"/> (or nothing) and returns a
    /// matching memory space.</summary>
    private static unsafe long Select(long fileSpace, ReadOnlySpan<ulong> start, ReadOnlySpan<ulong> count, bool none)
    {
        if (none)
        {
            Check(H5Sselect_none(fileSpace), "H5Sselect_none");
            ulong one = 1;
            long empty = Check(H5Screate_simple(1, &one, null), "H5Screate_simple");
            Check(H5Sselect_none(empty), "H5Sselect_none");
            return empty;
        }
        fixed (ulong* s = start)
        fixed (ulong* c = count)
        {
            Check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, s, null, c, null), "H5Sselect_hyperslab");
            return Check(H5Screate_simple(count.Length, c, null), "H5Screate_simple");
        }
    }

    /// <summary>The shape of dataset <paramref name="name"/>.</summary>
    public unsafe ulong[] Dims(string name)
    {
        long dataset = Check(H5Dopen2(_file, name, H5P_DEFAULT), $"H5Dopen2({name})");
        long space = -1;
        try
        {
            space = Check(H5Dget_space(dataset), "H5Dget_space");
            int rank = H5Sget_simple_extent_ndims(space);
            Check(rank, "H5Sget_simple_extent_ndims");
            var dims = new ulong[rank];
            fixed (ulong* d = dims) Check(H5Sget_simple_extent_dims(space, d, null), "H5Sget_simple_extent_dims");
            return dims;
        }
        finally
        {
            if (space >= 0) H5Sclose(space);
            H5Dclose(dataset);
        }
    }

    /// <summary>Reads the hyperslab [start, start + count) of float64 dataset <paramref name="name"/>.</summary>
    public unsafe double[] ReadBlock(string name, ReadOnlySpan<ulong> start, ReadOnlySpan<ulong> count)
    {
        var data = new double[Product(count)];
        fixed (double* p = data) Read(name, Ids.NativeDouble, start, count, p);
        return data;
    }

    /// <summary>Reads float64 dataset <paramref name="name"/> whole (every rank reads it).</summary>
    public unsafe double[] ReadAll(string name)
    {
        var dims = Dims(name);
        var data = new double[Product(dims)];
        fixed (double* p = data) Read(name, Ids.NativeDouble, new ulong[dims.Length], dims, p);
        return data;
    }

    /// <summary>Reads int64 dataset <paramref name="name"/> whole.</summary>
    public unsafe long[] ReadAllInt64(string name)
    {
        var dims = Dims(name);
        var data = new long[Product(dims)];
        fixed (long* p = data) Read(name, Ids.NativeInt64, new ulong[dims.Length], dims, p);
        return data;
    }

    private unsafe void Read(string name, long type, ReadOnlySpan<ulong> start, ReadOnlySpan<ulong> count, void* buffer)
    {
        long dataset = Check(H5Dopen2(_file, name, H5P_DEFAULT), $"H5Dopen2({name})");
        long fileSpace = -1, memSpace = -1;
        try
        {
            fileSpace = Check(H5Dget_space(dataset), "H5Dget_space");
            memSpace = Select(fileSpace, start, count, none: false);
            Check(H5Dread(dataset, type, memSpace, fileSpace, _dxpl, buffer), $"H5Dread({name})");
        }
        finally
        {
            if (memSpace >= 0) H5Sclose(memSpace);
            if (fileSpace >= 0) H5Sclose(fileSpace);
            H5Dclose(dataset);
        }
    }

    // ---- attributes (on the object at `path`, "/" for the file) ------------------------------------

    public unsafe void SetAttribute(string path, string name, double value) => SetAttribute(path, name, [value]);

    public unsafe void SetAttribute(string path, string name, long value)
    {
        long v = value;
        WriteAttribute(path, name, Ids.NativeInt64, 1, scalar: true, &v);
    }

    public unsafe void SetAttribute(string path, string name, ReadOnlySpan<double> values)
    {
        fixed (double* p = values) WriteAttribute(path, name, Ids.NativeDouble, values.Length, scalar: values.Length == 1, p);
    }

    public unsafe void SetAttribute(string path, string name, ReadOnlySpan<long> values)
    {
        fixed (long* p = values) WriteAttribute(path, name, Ids.NativeInt64, values.Length, scalar: false, p);
    }

    /// <summary>A fixed-length, null-terminated UTF-8 string attribute (h5dump prints it as text).</summary>
    public unsafe void SetAttribute(string path, string name, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value + "\0");
        long type = Check(H5Tcopy(Ids.CString), "H5Tcopy");
        try
        {
            Check(H5Tset_size(type, (nuint)bytes.Length), "H5Tset_size");
            Check(H5Tset_strpad(type, H5T_STR_NULLTERM), "H5Tset_strpad");
            Check(H5Tset_cset(type, H5T_CSET_UTF8), "H5Tset_cset");
            fixed (byte* p = bytes) WriteAttribute(path, name, type, 1, scalar: true, p);
        }
        finally
        {
            H5Tclose(type);
        }
    }

    private unsafe void WriteAttribute(string path, string name, long type, int length, bool scalar, void* buffer)
    {
        long space = -1, attribute = -1;
        long obj = OpenObject(path);
        try
        {
            ulong n = (ulong)length;
            space = scalar ? Check(H5Screate(H5S_SCALAR), "H5Screate") : Check(H5Screate_simple(1, &n, null), "H5Screate_simple");
            attribute = Check(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), $"H5Acreate2({path}@{name})");
            Check(H5Awrite(attribute, type, buffer), $"H5Awrite({path}@{name})");
        }
        finally
        {
            if (attribute >= 0) H5Aclose(attribute);
            if (space >= 0) H5Sclose(space);
            CloseObject(obj);
        }
    }

    public bool HasAttribute(string path, string name)
    {
        long obj = OpenObject(path);
        try { return CheckBool(H5Aexists(obj, name), $"H5Aexists({path}@{name})"); }
        finally { CloseObject(obj); }
    }

    public double GetDouble(string path, string name) => GetDoubles(path, name)[0];

    public unsafe double[] GetDoubles(string path, string name)
    {
        double[]? result = null;
        ReadAttribute(path, name, (attribute, count) =>
        {
            result = new double[count];
            fixed (double* p = result) Check(H5Aread(attribute, Ids.NativeDouble, p), $"H5Aread({path}@{name})");
        });
        return result!;
    }

    public unsafe long GetInt64(string path, string name)
    {
        long[]? result = null;
        ReadAttribute(path, name, (attribute, count) =>
        {
            result = new long[count];
            fixed (long* p = result) Check(H5Aread(attribute, Ids.NativeInt64, p), $"H5Aread({path}@{name})");
        });
        return result![0];
    }

    public unsafe string GetString(string path, string name)
    {
        string? result = null;
        ReadAttribute(path, name, (attribute, _) =>
        {
            long type = Check(H5Aget_type(attribute), "H5Aget_type");
            try
            {
                var bytes = new byte[(int)H5Tget_size(type)];
                fixed (byte* p = bytes) Check(H5Aread(attribute, type, p), $"H5Aread({path}@{name})");
                int end = Array.IndexOf(bytes, (byte)0);
                result = Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end);
            }
            finally
            {
                H5Tclose(type);
            }
        });
        return result!;
    }

    private unsafe void ReadAttribute(string path, string name, Action<long, int> read)
    {
        long obj = OpenObject(path);
        long attribute = -1, space = -1;
        try
        {
            attribute = Check(H5Aopen(obj, name, H5P_DEFAULT), $"H5Aopen({path}@{name})");
            space = Check(H5Aget_space(attribute), "H5Aget_space");
            int rank = H5Sget_simple_extent_ndims(space);
            Check(rank, "H5Sget_simple_extent_ndims");
            ulong n = 1;
            if (rank == 1) Check(H5Sget_simple_extent_dims(space, &n, null), "H5Sget_simple_extent_dims");
            read(attribute, (int)n);
        }
        finally
        {
            if (space >= 0) H5Sclose(space);
            if (attribute >= 0) H5Aclose(attribute);
            CloseObject(obj);
        }
    }

    /// <summary>The file itself for "/", else the group or dataset at <paramref name="path"/>.</summary>
    private long OpenObject(string path)
    {
        if (path == "/") return _file;
        if (CheckBool(H5Lexists(_file, path, H5P_DEFAULT), $"H5Lexists({path})"))
        {
            // A dataset or a group: try the dataset first.
            long d = H5Dopen2(_file, path, H5P_DEFAULT);
            if (d >= 0) return d;
        }
        throw new Hdf5Exception($"{Path}: no dataset {path}");
    }

    private void CloseObject(long obj)
    {
        if (obj != _file) H5Dclose(obj);
    }

    private static ulong Product(ReadOnlySpan<ulong> dims)
    {
        ulong p = 1;
        foreach (var d in dims) p *= d;
        return p;
    }
}
