#include <mpi.h>
/* Open MPI's predefined handles are macros over global structs, which Swift cannot import.
   Re-export the ones the project uses as static constants. */
static const MPI_Comm     PCMPI_COMM_WORLD = MPI_COMM_WORLD;
static const MPI_Comm     PCMPI_COMM_SELF  = MPI_COMM_SELF;
static const MPI_Comm     PCMPI_COMM_NULL  = MPI_COMM_NULL;
static const MPI_Datatype PCMPI_DOUBLE     = MPI_DOUBLE;
static const MPI_Datatype PCMPI_INT64      = MPI_INT64_T;
static const MPI_Datatype PCMPI_INT32      = MPI_INT32_T;
static const MPI_Datatype PCMPI_BYTE       = MPI_BYTE;
static const MPI_Op       PCMPI_SUM        = MPI_SUM;
static const MPI_Op       PCMPI_MAX        = MPI_MAX;
static const MPI_Op       PCMPI_MIN        = MPI_MIN;
static const MPI_Errhandler PCMPI_ERRORS_RETURN = MPI_ERRORS_RETURN;
static void * const       PCMPI_IN_PLACE   = MPI_IN_PLACE;
static MPI_Status * const PCMPI_STATUS_IGNORE = MPI_STATUS_IGNORE;
static const int          PCMPI_UNDEFINED  = MPI_UNDEFINED;
static const int          PCMPI_ANY_SOURCE = MPI_ANY_SOURCE;
static const int          PCMPI_ANY_TAG    = MPI_ANY_TAG;
static const MPI_Info     PCMPI_INFO_NULL  = MPI_INFO_NULL;
static const int          PCMPI_COMM_TYPE_SHARED = MPI_COMM_TYPE_SHARED;

/* Atomics on memory shared between the processes of a node (MPI shared-memory windows). */
#include <stdint.h>
static inline int pcmpi_compare_exchange32(int32_t *p, int32_t expected, int32_t desired) {
    return __atomic_compare_exchange_n(p, &expected, desired, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}
static inline int32_t pcmpi_load_acquire32(const int32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void pcmpi_store_release32(int32_t *p, int32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

/* TCP_NODELAY on every TCP socket of this process; returns how many were set. Called after MPI_Init:
   the PMIx client connection sends its small finalize messages behind Nagle's algorithm, which waits
   for the server's delayed ACK (40 ms on Linux) at every MPI_Finalize. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>
static inline int pcmpi_tcp_nodelay_all(void) {
    int set = 0;
    long max = sysconf(_SC_OPEN_MAX);
    if (max <= 0 || max > 4096) max = 4096;
    for (int fd = 0; fd < max; fd++) {
        int one = 1;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0) set++;
    }
    return set;
}
