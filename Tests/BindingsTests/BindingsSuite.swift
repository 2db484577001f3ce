import Testing

/// Parent of every suite in this target: serialized, because MPI is initialised FUNNELED in this
/// process, and OpenBLAS/FFTW state is process-wide.
@Suite(.serialized) enum Bindings {}
