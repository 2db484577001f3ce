/// Cartesian forces computed with ABINIT 9.6.2 (Debian, libxc 5.2.3), with the input that produced
/// them. GTH: the shipped CP2K table's entries written as pspcod 10 (`write_psp10` in
/// scripts/bench_engine.py, pspxc 1), `ixc -20` being libxc's Teter93 LDA (the one this engine's
/// LDA evaluates). PseudoDojo: Debian abinit-data's psp8 files, libxc's PBE (`ixc -101130`, see
/// Psp8Reference.swift). ABINIT's `fcart` has the mean force (drift) removed; its `etotal` is
/// F = U − TS.
struct ABINITForceReference: Sendable, CustomStringConvertible {
    let id: String
    /// Use the PseudoDojo files (`ABINITCase.psp8Directory`) and PBE, else GTH-PADE and LDA.
    var psp8 = false
    let ecut: Double
    let fftGrid: [Int]
    let irreducibleK: Int
    let freeEnergy: Double
    /// fcart (Ha/bohr) per atom, in the input's order.
    let fcart: [SIMD3<Double>]
    let input: String
    /// ABINIT's stress tensor `strten` (Ha/bohr³, rows) of the same run, where recorded.
    var strten: [[Double]]? = nil
    var description: String { id }

    /// GaAs, As displaced to reduced (0.26, 0.25, 0.25) (space group Cm, 2 operations), GTH-PADE
    /// Ga q3 / As q5, 10 Ha, 24³ grid, Γ-centred 2×2×2 mesh, Fermi–Dirac 0.01 Ha, tolvrs 1e-18.
    static let gaasGTHLDA = ABINITForceReference(
        id: "GaAs GTH LDA 10 Ha", ecut: 10, fftGrid: [24, 24, 24], irreducibleK: 6, freeEnergy: -8.5617624457,
        fcart: [SIMD3(-4.2003321136e-04, 2.4449138677e-03, 2.4449138677e-03),
                SIMD3(4.2003321136e-04, -2.4449138677e-03, -2.4449138677e-03)],
        input: """
            acell 3*10.6826
            rprim 0 0.5 0.5  0.5 0 0.5  0.5 0.5 0
            ntypat 2 znucl 31 33 natom 2 typat 1 2
            xred 0 0 0  0.26 0.25 0.25
            pseudos "Ga.psp10, As.psp10"
            ixc -20 ecut 10 ngfft 24 24 24
            kptopt 1 ngkpt 2 2 2 nshiftk 1 shiftk 0 0 0
            occopt 3 tsmear 0.01 nband 10 tolvrs 1e-18 nstep 100
            """,
        strten: [[-4.91872354e-05, 3.14630540e-05, 3.14630540e-05],
                 [3.14630540e-05, -4.88307669e-05, -1.62927004e-06],
                 [3.14630540e-05, -1.62927004e-06, -4.88307669e-05]])

    /// The same displaced GaAs with the PseudoDojo NC SR 0.4 PBE standard Ga.psp8 (3d in valence,
    /// core charge) and As.psp8, 20 Ha, 32³ grid; the drift here is 7.5e-5 Ha/bohr.
    static let gaasDojoPBE = ABINITForceReference(
        id: "GaAs PseudoDojo PBE 20 Ha", psp8: true, ecut: 20, fftGrid: [32, 32, 32], irreducibleK: 6,
        freeEnergy: -1.7886479163e+02,
        fcart: [SIMD3(-1.6850289567e-03, 3.1090873046e-03, 3.1090873046e-03),
                SIMD3(1.6850289567e-03, -3.1090873046e-03, -3.1090873046e-03)],
        input: """
            acell 3*10.6826
            rprim 0 0.5 0.5  0.5 0 0.5  0.5 0.5 0
            ntypat 2 znucl 31 33 natom 2 typat 1 2
            xred 0 0 0  0.26 0.25 0.25
            pseudos "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8/Ga.psp8, /usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8/As.psp8"
            ixc -101130 ecut 20 ngfft 32 32 32
            kptopt 1 ngkpt 2 2 2 nshiftk 1 shiftk 0 0 0
            occopt 3 tsmear 0.01 nband 20 tolvrs 1e-16 nstep 100
            prtwf 0 prtden 0 prteig 0
            """)

    /// Wurtzite GaN with its internal parameter off equilibrium: u = 0.36 (equilibrium ≈ 0.377),
    /// hexagonal a = 6.03 bohr, c = 9.80 bohr, Ga at (1/3, 2/3, 0), (2/3, 1/3, 1/2), N at
    /// (1/3, 2/3, u), (2/3, 1/3, 1/2 + u) (P6₃mc, 12 operations: the forces point along c);
    /// GTH-PADE Ga q3 / N q5 (`write_psp10` of the entries "Ga GTH-PADE-q3", "N GTH-PADE-q5",
    /// pspxc 1), 15 Ha, 24×24×40 grid, Γ-centred 2×2×2 mesh, Fermi–Dirac 0.01 Ha, tolvrs 1e-18.
    static let ganWurtziteGTHLDA = ABINITForceReference(
        id: "GaN wurtzite u = 0.36 GTH LDA 15 Ha", ecut: 15, fftGrid: [24, 24, 40], irreducibleK: 4,
        freeEnergy: -2.3682400171e+01,
        fcart: [SIMD3(0, 0, -1.9105506180e-02), SIMD3(0, 0, -1.9105506180e-02),
                SIMD3(0, 0, 1.9105506180e-02), SIMD3(0, 0, 1.9105506180e-02)],
        input: """
            acell 6.03 6.03 9.80
            rprim 0.5 -0.86602540378443865 0  0.5 0.86602540378443865 0  0 0 1
            ntypat 2 znucl 31 7 natom 4 typat 1 1 2 2
            xred 0.33333333333333333 0.66666666666666667 0  0.66666666666666667 0.33333333333333333 0.5
                 0.33333333333333333 0.66666666666666667 0.36  0.66666666666666667 0.33333333333333333 0.86
            pseudos "Ga.psp10, N.psp10"
            ixc -20 ecut 15 ngfft 24 24 40
            kptopt 1 ngkpt 2 2 2 nshiftk 1 shiftk 0 0 0
            occopt 3 tsmear 0.01 nband 20 tolvrs 1e-18 nstep 100
            prtwf 0 prtden 0 prteig 0
            """,
        strten: [[2.7372714592e-03, 0, 0],
                 [0, 2.7372714592e-03, 0],
                 [0, 0, 2.8339753843e-03]])
}
