// swift-tools-version:6.1
import PackageDescription

// The targets are the architecture (README, Layout): an arrow is a dependency below.
//   C*           system-library shims over the native libraries (pkg-config)
//   Bindings     typed Swift over FFTW, libxc, spglib, OpenBLAS/LAPACKE, the CIF API; InputError (no MPI)
//   Parallel     MPI communicators, BLACS grids and shapes, ScaLAPACK, FFTW-MPI, node layout
//   PlaneWave    the Kohn–Sham engine: knows nothing of MPI, files or scans
//   ParallelSCF  PlaneWave on groups of ranks: k-point and ScaLAPACK pools, work stealing, PointCalculation
//   Input        configs, units, structures, analysis settings, file conventions (no MPI)
//   Convergence  scan points, plans, stages, cost model, the one decision rule, EOS (no MPI, no files)
//   RunStore     run directory, checksummed journal, state, metadata, lock, summary/collect/status
//   Reporting    report.html, SVG plots, exports, analysis.json
//   Doctor       environment checks; Slurm: job scripts and estimates
//   Scan         the runner (MPI scheduling, warm starts, the final point)
//   PreconvCLI   the `preconv-mpi` executable
let package = Package(
    name: "preconv-mpi",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "preconv-mpi", targets: ["PreconvCLI"]),
        .library(name: "PlaneWave", targets: ["PlaneWave"]),
        .library(name: "PreconvKit", targets: ["Scan", "Slurm", "Doctor", "Reporting", "RunStore", "Convergence", "Input",
                                               "ParallelSCF", "Parallel", "PlaneWave", "Bindings"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c"),
        .systemLibrary(name: "CScaLAPACK", path: "Sources/CScaLAPACK", pkgConfig: "scalapack-openmpi"),
        .systemLibrary(name: "CFFTW", path: "Sources/CFFTW", pkgConfig: "fftw3"),
        .systemLibrary(name: "CFFTWMPI", path: "Sources/CFFTWMPI", pkgConfig: "ompi-c"),
        .systemLibrary(name: "CXC", path: "Sources/CXC", pkgConfig: "libxc"),
        .systemLibrary(name: "CSpglib", path: "Sources/CSpglib", pkgConfig: "spglib"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas"),
        .systemLibrary(name: "CCIF", path: "Sources/CCIF", pkgConfig: "libcif"),
        .target(
            name: "Bindings",
            dependencies: ["CFFTW", "CXC", "CSpglib", "COpenBLAS", "CCIF",
                           .product(name: "Numerics", package: "swift-numerics")],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
        .target(
            name: "Parallel",
            dependencies: ["Bindings", "CMPI", "CScaLAPACK", "CFFTWMPI", "CFFTW",
                           .product(name: "Numerics", package: "swift-numerics")]),
        .target(
            name: "PlaneWave",
            dependencies: ["Bindings", .product(name: "Numerics", package: "swift-numerics")],
            resources: [.embedInCode("Pseudopotentials/GTH_POTENTIALS")],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
        .target(
            name: "ParallelSCF",
            dependencies: ["PlaneWave", "Parallel", "Bindings",
                           .product(name: "Numerics", package: "swift-numerics")]),
        .target(
            name: "Input",
            dependencies: ["PlaneWave", "Bindings",
                           .product(name: "Yams", package: "Yams"),
                           .product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "Convergence",
            dependencies: ["Input", "PlaneWave", "Bindings"]),
        .target(
            name: "RunStore",
            dependencies: ["Convergence", "Input", "PlaneWave", "Bindings",
                           .product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "Reporting",
            dependencies: ["RunStore", "Convergence", "Input", "PlaneWave", "Bindings"]),
        .target(
            name: "Doctor",
            dependencies: ["Input", "Parallel", "Bindings"]),
        .target(
            name: "Slurm",
            dependencies: ["RunStore", "Convergence", "Input", "PlaneWave", "Bindings"]),
        .target(
            name: "Scan",
            dependencies: ["ParallelSCF", "Doctor", "Reporting", "RunStore", "Convergence", "Input", "Parallel", "PlaneWave", "Bindings",
                           .product(name: "Logging", package: "swift-log")]),
        .executableTarget(
            name: "PreconvCLI",
            dependencies: ["Scan", "Slurm", "Doctor", "Reporting", "RunStore", "Convergence", "Input", "ParallelSCF",
                           "PlaneWave", "Parallel", "Bindings",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            // the Swift runtime and Foundation linked into the executable: compute nodes need no Swift
            // toolchain, and only the pages of the runtime the program uses become resident. The modules
            // are compiled against the shared runtime, whose autolink entries name only the top libraries
            // (Foundation, FoundationXML): their static archives' own dependencies are listed here.
            linkerSettings: [.unsafeFlags(["-static-stdlib"])]
                + ["FoundationXML", "FoundationInternationalization", "Foundation", "FoundationEssentials",
                   "_FoundationCollections", "_FoundationCShims", "CoreFoundation", "_CFXMLInterface", "_FoundationICU",
                   "xml2", "swiftSynchronization", "swiftDispatch", "dispatch", "BlocksRuntime"].map { .linkedLibrary($0) }),
        .testTarget(name: "BindingsTests", dependencies: ["Bindings", "Parallel"]),
        .testTarget(name: "PlaneWaveTests", dependencies: ["PlaneWave", "Bindings"]),
        .target(name: "TestSupport", dependencies: ["Convergence", "Input", "PlaneWave", "Bindings"], path: "Tests/TestSupport"),
        .testTarget(name: "InputTests", dependencies: ["TestSupport", "Input", "PlaneWave", "Bindings"]),
        .testTarget(name: "ConvergenceTests", dependencies: ["TestSupport", "Convergence", "Input", "PlaneWave", "Bindings"]),
        .testTarget(name: "ReportingTests", dependencies: ["TestSupport", "Reporting", "RunStore", "Convergence", "Input", "PlaneWave", "Bindings"]),
        .testTarget(name: "ParallelSCFTests", dependencies: ["ParallelSCF", "Parallel", "PlaneWave", "Bindings"]),
        .testTarget(name: "DoctorTests", dependencies: ["Doctor", "Bindings"]),
        .testTarget(name: "SlurmTests", dependencies: ["TestSupport", "Slurm", "Input", "Bindings"]),
        .testTarget(name: "RunStoreTests", dependencies: ["TestSupport", "RunStore", "Convergence", "Input", "PlaneWave", "Bindings"]),
        .testTarget(name: "ScanTests", dependencies: ["TestSupport", "Scan", "ParallelSCF", "RunStore", "Convergence", "Input", "Parallel", "PlaneWave", "Bindings"]),
        .testTarget(name: "IntegrationTests", dependencies: []),
    ]
)
