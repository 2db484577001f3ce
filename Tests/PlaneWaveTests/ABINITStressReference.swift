/// Stress tensors computed with ABINIT 9.6.2 (Debian, libxc 5.2.3), with the input that produced
/// them (`strten`, Ha/bohr³, the convention of `SCFResult.stress`; ecutsm 0, so no cutoff-smoothing
/// term). GTH: the shipped CP2K table's entries written as pspcod 10 (`write_psp10` in
/// scripts/bench_engine.py, pspxc 1), `ixc -20` being libxc's Teter93 LDA; PseudoDojo: Debian
/// abinit-data's psp8 files with libxc's PBE (`ixc -101130`). `etotal` is F = U − TS. Every SCF
/// ran to tolvrs 1e-18.
struct ABINITStressReference: Sendable, CustomStringConvertible {
    let id: String
    /// The same crystal, functional, smearing, cutoff and grid for the engine.
    let crystal: StressCase
    let irreducibleK: Int
    let freeEnergy: Double
    /// σ_αβ (Ha/bohr³), rows α.
    let sigma: [[Double]]
    let input: String
    var description: String { id }

    /// Si, GTH-PADE q4, a = 0.97 × 10.26 bohr, 15 Ha, 27³ grid, Γ-centred 2×2×2, no smearing.
    static let siGTH097 = ABINITStressReference(
        id: "Si GTH LDA a×0.97",
        crystal: StressCase(id: "Si GTH LDA a×0.97", species: ["Si", "Si"], a: 9.9522, functional: .lda,
                            ecut: 15, fftGrid: [27, 27, 27]),
        irreducibleK: 3, freeEnergy: -7.8275603332E+00,
        sigma: [[-5.62709108E-04, 0.00000000E+00, 0.00000000E+00],
                 [0.00000000E+00, -5.62709108E-04, 0.00000000E+00],
                 [0.00000000E+00, 0.00000000E+00, -5.62709108E-04]],
        input: """
            acell 3*9.952200
            rprim 0 0.5 0.5  0.5 0 0.5  0.5 0.5 0
            ntypat 1 znucl 14 natom 2 typat 1 1
            pseudos "Si.psp10"
            xred 0 0 0  0.25 0.25 0.25
            ixc -20 ecut 15 ngfft 27 27 27
            kptopt 1 ngkpt 2 2 2 nshiftk 1 shiftk 0 0 0
            occopt 1 tolvrs 1e-18 nstep 60
            prtwf 0 prtden 0 prteig 0
            """)

    /// Si, GTH-PADE q4, a = 1.03 × 10.26 bohr, 15 Ha, 27³ grid, Γ-centred 2×2×2, no smearing.
    static let siGTH103 = ABINITStressReference(
        id: "Si GTH LDA a×1.03",
        crystal: StressCase(id: "Si GTH LDA a×1.03", species: ["Si", "Si"], a: 10.5678, functional: .lda,
                            ecut: 15, fftGrid: [27, 27, 27]),
        irreducibleK: 3, freeEnergy: -7.8366872405E+00,
        sigma: [[1.06382638E-04, 0.00000000E+00, 0.00000000E+00],
                 [0.00000000E+00, 1.06382638E-04, 0.00000000E+00],
                 [0.00000000E+00, 0.00000000E+00, 1.06382638E-04]],
        input: """
            acell 3*10.567800
            rprim 0 0.5 0.5  0.5 0 0.5  0.5 0.5 0
            ntypat 1 znucl 14 natom 2 typat 1 1
            pseudos "Si.psp10"
            xred 0 0 0  0.25 0.25 0.25
            ixc -20 ecut 15 ngfft 27 27 27
            kptopt 1 ngkpt 2 2 2 nshiftk 1 shiftk 0 0 0
            occopt 1 tolvrs 1e-18 nstep 60
            prtwf 0 prtden 0 prteig 0
            """)

    /// GaAs, GTH-PADE Ga q3 / As q5, a = 0.97 × 10.6826 bohr, 15 Ha, 30³ grid, Γ-centred 2×2×2, no smearing.
    static let gaasGTH097 = ABINITStressReference(
        id: "GaAs GTH LDA a×0.97",
        crystal: StressCase(id: "GaAs GTH LDA a×0.97", species: ["Ga", "As"], a: 10.362122, functional: .lda,
                            ecut: 15, fftGrid: [30, 30, 30]),
        irreducibleK: 3, freeEnergy: -8.5636900630E+00,
        sigma: [[-2.90390184E-04, 0.00000000E+00, 0.00000000E+00],
                 [0.00000000E+00, -2.90390184E-04, 0.00000000E+00],
                 [0.00000000E+00, 0.00000000E+00, -2.90390184E-04]],
        input: """
            acell 3*10.362122
            rprim 0 0.5 0.5  0.5 0 0.5  0.5 0.5 0
            ntypat 2 znucl 31 33 natom 2 typat 1 2
            pseudos "Ga.psp10, As.psp10"
            xred 0 0 0  0.25 0.25 0.25
            ixc -20 ecut 15 ngfft 30 30 30
            kptopt 1 ngkpt 2 2 2 nshiftk 1 shiftk 0 0 0
            occopt 1 tolvrs 1e-18 nstep 60
            prtwf 0 prtden 0 prteig 0
            """)

    /// GaAs, GTH-PADE Ga q3 / As q5, a = 1.03 × 10.6826 bohr, 15 Ha, 30³ grid, Γ-centred 2×2×2, no smearing.
    static let gaasGTH103 = ABINITStressReference(
        id: "GaAs GTH LDA a×1.03",
        crystal: StressCase(id: "GaAs GTH LDA a×1.03", species: ["Ga", "As"], a: 11.003078, functional: .lda,
                            ecut: 15, fftGrid: [30, 30, 30]),
        irreducibleK: 3, freeEnergy: -8.5695046858E+00,
        sigma: [[-5.40845635E-05, 0.00000000E+00, 0.00000000E+00],
                 [0.00000000E+00, -5.40845635E-05, 0.00000000E+00],
                 [0.00000000E+00, 0.00000000E+00, -5.40845635E-05]],
        input: """
            acell 3*11.003078
            rprim 0 0.5 0.5  0.5 0 0.5  0.5 0.5 0
            ntypat 2 znucl 31 33 natom 2 typat 1 2
            pseudos "Ga.psp10, As.psp10"
            xred 0 0 0  0.25 0.25 0.25
            ixc -20 ecut 15 ngfft 30 30 30
            kptopt 1 ngkpt 2 2 2 nshiftk 1 shiftk 0 0 0
            occopt 1 tolvrs 1e-18 nstep 60
            prtwf 0 prtden 0 prteig 0
            """)

    /// GaAs at a = 10.6826 bohr strained by ε_xx = 0.01, ε_xy = ε_yx = 0.02 (`StressTests.sheared`), As at reduced
    /// (0.26, 0.25, 0.24): no symmetry but the identity, every component non-zero; GTH-PADE, 15 Ha, 30³ grid,
    /// Γ-centred 2×2×2 (8 k-points), Fermi–Dirac 0.01 Ha.
    static let gaasGTHSheared = ABINITStressReference(
        id: "GaAs GTH LDA sheared, As displaced, Fermi–Dirac",
        crystal: StressCase(id: "GaAs GTH LDA sheared, As displaced, Fermi–Dirac", species: ["Ga", "As"], a: 10.6826,
                            second: SIMD3(0.26, 0.25, 0.24), functional: .lda, smearing: .fermiDirac(0.01),
                            ecut: 15, fftGrid: [30, 30, 30], base: StressTests.sheared),
        irreducibleK: 8, freeEnergy: -8.5732979724E+00,
        sigma: [[-1.44871287E-04, 7.61838901E-05, 7.29309952E-06],
                 [7.61838901E-05, -1.52344897E-04, -2.99393757E-05],
                 [7.29309952E-06, -2.99393757E-05, -1.47383323E-04]],
        input: """
            acell 3*1.0
            rprim
              0.1068260000 5.3413000000 5.3413000000
              5.3947130000 0.1068260000 5.3413000000
              5.5015390000 5.4481260000 0.0000000000
            ntypat 2 znucl 31 33 natom 2 typat 1 2
            pseudos "Ga.psp10, As.psp10"
            xred 0 0 0  0.26 0.25 0.24
            ixc -20 ecut 15 ngfft 30 30 30
            kptopt 1 ngkpt 2 2 2 nshiftk 1 shiftk 0 0 0
            occopt 3 tsmear 0.01 nband 10 tolvrs 1e-18 nstep 80
            prtwf 0 prtden 0 prteig 0
            """)

    /// Si, PseudoDojo NC SR 0.4 PBE standard Si.psp8 (core charge), libxc PBE, a = 1.03 × 10.26 bohr, 20 Ha,
    /// 32³ grid, Γ-centred 2×2×2, no smearing.
    static let siDojo103 = ABINITStressReference(
        id: "Si PseudoDojo PBE a×1.03",
        crystal: StressCase(id: "Si PseudoDojo PBE a×1.03", species: ["Si", "Si"], a: 10.5678, functional: .pbe,
                            ecut: 20, fftGrid: [32, 32, 32], psp8: true),
        irreducibleK: 3, freeEnergy: -8.3726835054E+00,
        sigma: [[-3.24165718E-05, 0.00000000E+00, 0.00000000E+00],
                 [0.00000000E+00, -3.24165718E-05, 0.00000000E+00],
                 [0.00000000E+00, 0.00000000E+00, -3.24165718E-05]],
        input: """
            acell 3*10.567800
            rprim 0 0.5 0.5  0.5 0 0.5  0.5 0.5 0
            ntypat 1 znucl 14 natom 2 typat 1 1
            pseudos "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8/Si.psp8"
            xred 0 0 0  0.25 0.25 0.25
            ixc -101130 ecut 20 ngfft 32 32 32
            kptopt 1 ngkpt 2 2 2 nshiftk 1 shiftk 0 0 0
            occopt 1 tolvrs 1e-18 nstep 60
            prtwf 0 prtden 0 prteig 0
            """)
}
