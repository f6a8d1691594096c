/*
 * pdlra_mpi.c — the thin C shim between ParallelDlra (C#) and the site's MPI library.
 *
 * Compiled with the site's `mpicc` (Makefile target `native`) into build/native/libpdlra_mpi.so, so the
 * C# side never sees an MPI handle: OpenMPI's handles are addresses of exported symbols, MPICH's (and
 * Cray/Intel MPI's) are integers; both are hidden here. Only plain C types cross the boundary: int,
 * double*, int64_t request handles. Every function returns an MPI error code (MPI_SUCCESS = 0);
 * pdlra_mpi_error_string turns it into text. Errors return (MPI_ERRORS_RETURN) instead of aborting,
 * so the C# side can raise an exception, log it with the rank, and call pdlra_mpi_abort.
 *
 * The shim works on a duplicate of MPI_COMM_WORLD, so its messages never match another library's.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <string.h>
#include <mpi.h>

#if defined(__GNUC__)
#define PDLRA_EXPORT __attribute__((visibility("default")))
#else
#define PDLRA_EXPORT
#endif

/* Bumped when a signature changes; the C# side checks it. */
#define PDLRA_MPI_ABI 2

static MPI_Comm comm = MPI_COMM_NULL;

/* Communicators made by pdlra_mpi_comm_split (ensemble groups), by index; index 0 is `comm` itself. */
#define PDLRA_MAX_COMMS 64
static MPI_Comm comms[PDLRA_MAX_COMMS];
static int comms_ready = 0;

static MPI_Comm at(int c)
{
    if (c == 0) return comm;
    if (c < 0 || c >= PDLRA_MAX_COMMS || !comms_ready) return MPI_COMM_NULL;
    return comms[c];
}

/* .NET loads this library with RTLD_LOCAL, so the MPI library it pulls in is local too; OpenMPI's
 * plug-ins (mca components) resolve symbols of libmpi through the global namespace. Re-open the MPI
 * library that provides MPI_Init with RTLD_GLOBAL before initialising. */
static void promote_mpi_library(void)
{
    Dl_info info;
    if (dladdr((void *)&MPI_Init, &info) && info.dli_fname)
        (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
}

PDLRA_EXPORT int pdlra_mpi_abi(void) { return PDLRA_MPI_ABI; }

PDLRA_EXPORT int pdlra_mpi_initialized(void)
{
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    return init && !fin;
}

/* MPI_Init_thread(FUNNELED): only the main thread calls MPI. */
PDLRA_EXPORT int pdlra_mpi_init(int *rank, int *size)
{
    int rc, provided = 0, init = 0;
    promote_mpi_library();
    MPI_Initialized(&init);
    if (!init)
    {
        rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
        if (rc != MPI_SUCCESS) return rc;
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (comm == MPI_COMM_NULL)
    {
        rc = MPI_Comm_dup(MPI_COMM_WORLD, &comm);
        if (rc != MPI_SUCCESS) return rc;
        MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
    }
    rc = MPI_Comm_rank(comm, rank);
    if (rc != MPI_SUCCESS) return rc;
    return MPI_Comm_size(comm, size);
}

PDLRA_EXPORT int pdlra_mpi_finalize(void)
{
    int fin = 0;
    MPI_Finalized(&fin);
    if (fin) return MPI_SUCCESS;
    if (comms_ready)
        for (int c = 1; c < PDLRA_MAX_COMMS; c++)
            if (comms[c] != MPI_COMM_NULL) MPI_Comm_free(&comms[c]);
    if (comm != MPI_COMM_NULL) MPI_Comm_free(&comm);
    return MPI_Finalize();
}

/* Never returns when MPI is initialised: the launcher ends every rank. */
PDLRA_EXPORT int pdlra_mpi_abort(int code)
{
    return MPI_Abort(comm != MPI_COMM_NULL ? comm : MPI_COMM_WORLD, code);
}

PDLRA_EXPORT int pdlra_mpi_error_string(int code, char *buffer, int capacity)
{
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (capacity <= 0) return MPI_SUCCESS;
    if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) length = 0;
    if (length >= capacity) length = capacity - 1;
    memcpy(buffer, text, (size_t)length);
    buffer[length] = '\0';
    return MPI_SUCCESS;
}

PDLRA_EXPORT int pdlra_mpi_barrier_on(int c) { return MPI_Barrier(at(c)); }
PDLRA_EXPORT int pdlra_mpi_barrier(void) { return pdlra_mpi_barrier_on(0); }

/* MPI_Comm_split of communicator `parent` (an index, 0 = the job's): the new communicator's index, this rank's
 * rank and the size in it. Collective over `parent`. */
PDLRA_EXPORT int pdlra_mpi_comm_split(int parent, int color, int key, int *child, int *rank, int *size)
{
    int rc, slot = -1;
    MPI_Comm made;
    if (!comms_ready)
    {
        for (int c = 0; c < PDLRA_MAX_COMMS; c++) comms[c] = MPI_COMM_NULL;
        comms_ready = 1;
    }
    for (int c = 1; c < PDLRA_MAX_COMMS && slot < 0; c++)
        if (comms[c] == MPI_COMM_NULL) slot = c;
    if (slot < 0) return MPI_ERR_OTHER;
    rc = MPI_Comm_split(at(parent), color, key, &made);
    if (rc != MPI_SUCCESS) return rc;
    MPI_Comm_set_errhandler(made, MPI_ERRORS_RETURN);
    comms[slot] = made;
    *child = slot;
    rc = MPI_Comm_rank(made, rank);
    if (rc != MPI_SUCCESS) return rc;
    return MPI_Comm_size(made, size);
}

/* Frees a communicator made by pdlra_mpi_comm_split (collective over it). */
PDLRA_EXPORT int pdlra_mpi_comm_free(int c)
{
    if (c <= 0 || c >= PDLRA_MAX_COMMS || !comms_ready || comms[c] == MPI_COMM_NULL) return MPI_SUCCESS;
    return MPI_Comm_free(&comms[c]);
}

/* The raw handles for native libraries that take them (parallel HDF5's H5Pset_fapl_mpio): a pointer with
 * OpenMPI, an integer with MPICH-ABI libraries, widened to intptr_t either way. */
PDLRA_EXPORT intptr_t pdlra_mpi_comm_handle(void) { return (intptr_t)comm; }
PDLRA_EXPORT intptr_t pdlra_mpi_comm_handle_on(int c) { return (intptr_t)at(c); }
PDLRA_EXPORT intptr_t pdlra_mpi_info_null(void) { return (intptr_t)MPI_INFO_NULL; }

/* op: 0 sum, 1 max, 2 min; in place. */
PDLRA_EXPORT int pdlra_mpi_allreduce_on(int c, double *values, int count, int op)
{
    MPI_Op o = op == 1 ? MPI_MAX : op == 2 ? MPI_MIN : MPI_SUM;
    return MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, o, at(c));
}
PDLRA_EXPORT int pdlra_mpi_allreduce(double *values, int count, int op) { return pdlra_mpi_allreduce_on(0, values, count, op); }

PDLRA_EXPORT int pdlra_mpi_bcast_on(int c, double *values, int count, int root)
{
    return MPI_Bcast(values, count, MPI_DOUBLE, root, at(c));
}
PDLRA_EXPORT int pdlra_mpi_bcast(double *values, int count, int root) { return pdlra_mpi_bcast_on(0, values, count, root); }

/* recv holds size × count values, rank k's at k·count. */
PDLRA_EXPORT int pdlra_mpi_allgather_on(int c, const double *send, int count, double *recv)
{
    return MPI_Allgather(send, count, MPI_DOUBLE, recv, count, MPI_DOUBLE, at(c));
}
PDLRA_EXPORT int pdlra_mpi_allgather(const double *send, int count, double *recv) { return pdlra_mpi_allgather_on(0, send, count, recv); }

/* counts/displs/recv are only read on root. */
PDLRA_EXPORT int pdlra_mpi_gatherv_on(int c, const double *send, int count, double *recv, const int *counts, const int *displs, int root)
{
    return MPI_Gatherv(send, count, MPI_DOUBLE, recv, counts, displs, MPI_DOUBLE, root, at(c));
}
PDLRA_EXPORT int pdlra_mpi_gatherv(const double *send, int count, double *recv, const int *counts, const int *displs, int root)
{
    return pdlra_mpi_gatherv_on(0, send, count, recv, counts, displs, root);
}

/* MPI_Request is an int (MPICH ABI) or a pointer (OpenMPI): both fit into an int64 handle. */
static int64_t to_handle(MPI_Request r)
{
    int64_t h = 0;
    memcpy(&h, &r, sizeof r < sizeof h ? sizeof r : sizeof h);
    return h;
}

static MPI_Request from_handle(int64_t h)
{
    MPI_Request r;
    memset(&r, 0, sizeof r);
    memcpy(&r, &h, sizeof r < sizeof h ? sizeof r : sizeof h);
    return r;
}

PDLRA_EXPORT int pdlra_mpi_isend_on(int c, const double *buffer, int count, int dest, int tag, int64_t *request)
{
    MPI_Request r;
    int rc = MPI_Isend(buffer, count, MPI_DOUBLE, dest, tag, at(c), &r);
    if (rc == MPI_SUCCESS) *request = to_handle(r);
    return rc;
}
PDLRA_EXPORT int pdlra_mpi_isend(const double *buffer, int count, int dest, int tag, int64_t *request)
{
    return pdlra_mpi_isend_on(0, buffer, count, dest, tag, request);
}

PDLRA_EXPORT int pdlra_mpi_irecv_on(int c, double *buffer, int count, int source, int tag, int64_t *request)
{
    MPI_Request r;
    int rc = MPI_Irecv(buffer, count, MPI_DOUBLE, source, tag, at(c), &r);
    if (rc == MPI_SUCCESS) *request = to_handle(r);
    return rc;
}
PDLRA_EXPORT int pdlra_mpi_irecv(double *buffer, int count, int source, int tag, int64_t *request)
{
    return pdlra_mpi_irecv_on(0, buffer, count, source, tag, request);
}

/* Waits for every request (at most 64 at a time are converted on the stack, more in chunks). */
PDLRA_EXPORT int pdlra_mpi_waitall(int count, int64_t *requests)
{
    MPI_Request r[64];
    int done = 0;
    while (done < count)
    {
        int n = count - done < 64 ? count - done : 64, rc;
        for (int i = 0; i < n; i++) r[i] = from_handle(requests[done + i]);
        rc = MPI_Waitall(n, r, MPI_STATUSES_IGNORE);
        for (int i = 0; i < n; i++) requests[done + i] = to_handle(r[i]);
        if (rc != MPI_SUCCESS) return rc;
        done += n;
    }
    return MPI_SUCCESS;
}

/* The MPI library's version string (first capacity − 1 bytes), callable before MPI_Init. */
PDLRA_EXPORT int pdlra_mpi_library_version(char *buffer, int capacity)
{
    char text[MPI_MAX_LIBRARY_VERSION_STRING];
    int length = 0;
    int rc = MPI_Get_library_version(text, &length);
    if (capacity <= 0) return rc;
    if (rc != MPI_SUCCESS) length = 0;
    if (length >= capacity) length = capacity - 1;
    memcpy(buffer, text, (size_t)length);
    buffer[length] = '\0';
    return rc;
}
