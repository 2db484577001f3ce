/* Debian's libscalapack-openmpi-dev ships no header: the prototypes used are declared here.
   Fortran conventions: every argument by pointer, 1-based indices, column-major storage,
   hidden CHARACTER lengths (size_t) appended last. Complex = two interleaved doubles. */
#include <stddef.h>
#include <mpi.h>
void Cblacs_pinfo(int *mypnum, int *nprocs);
void Cblacs_get(int icontxt, int what, int *val);
void Cblacs_gridinit(int *icontxt, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int icontxt, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int icontxt);
int  Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
int  numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc, const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *ictxt, const int *lld, int *info);
void pzheevd_(const char *jobz, const char *uplo, const int *n,
              void *a, const int *ia, const int *ja, const int *desca, double *w,
              void *z, const int *iz, const int *jz, const int *descz,
              void *work, const int *lwork, double *rwork, const int *lrwork,
              int *iwork, const int *liwork, int *info,
              size_t jobz_len, size_t uplo_len);
