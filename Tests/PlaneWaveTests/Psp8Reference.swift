import PlaneWave

/// A reference computed with ABINIT 9.6.2 (Debian, libxc 5.2.3) on PseudoDojo psp8 files from
/// Debian's `abinit-data` (the same files this engine reads), SCF to toldfe 1e-11 Ha.
/// The functional is libxc's PBE (`ixc -101130`, GGA_X_PBE + GGA_C_PBE), the one this engine
/// calls PBE; ABINIT warns that it differs from the files' `pspxc 11`, which selects ABINIT's
/// built-in PBE. That implementation gives an E_xc about 2e-7 of itself lower: with `ixc 11`,
/// F is 6.0e-7 Ha (Si) and 8.6e-6 Ha (GaAs, E_xc −44.65 Ha) below the numbers here.
///
/// GaAs at 40 Ha is compared with `abinitRadialRefinement` 2: ABINIT refines the file's radial
/// grid for the psp8 projector transforms when its q grid (to 1.2 · 2√(2 ecut)) passes
/// 2π²/(100 Δr), here from ecut 33.8 Ha on, and interpolates the projectors by piecewise cubics
/// there (psp8nl). That changes the Ga and As form factors at q ≈ 6…12 bohr⁻¹ (the basis reaches
/// 8.9 bohr⁻¹) by up to 9e-7 of their largest values against the file points' trapezoidal sum,
/// which is exact for smooth projectors (`Psp8Tests.projectorQuadrature`): ABINIT's error, not
/// ours. With the engine's own tables the 40 Ha terms differ from ABINIT's by −1.3e-5 (kinetic),
/// +1.5e-5 (non-local), +5.2e-6 (local), −3.9e-6 (Hartree), +1.6e-6 (xc), F by +5.0e-6 Ha; with
/// ABINIT's projector transforms every term agrees within 6e-7 and F within 4e-7, as at 30 Ha (no
/// refinement there: q grid up to 18.6 bohr⁻¹), hence the tighter `termTolerance` of that case.
/// The numbers and the input are ABINIT's as before (rerun: identical to all digits). ABINIT's own
/// settings cannot avoid the refinement, fixed by ecut and the radial spacing: mqgrid 12001 and
/// nc_xccc_gspace 1 move its terms by 1e-8 Ha or less, tolwfr 1e-20 instead of toldfe by 1e-7.
/// Not the cause either (each moving our or ABINIT's numbers by 2e-7 Ha or less): the SCF
/// tolerance (1e-12 Ha, density 1e-10, eigensolver residuals 1e-12), Simpson instead of the
/// trapezoidal rule for the radial transforms, and truncating our density and local potential to
/// the 2√(2 ecut) sphere.
let psp8Cases: [ABINITCase] = [
    ABINITCase(id: "Si_dojo_PBE_ec20_k4", material: "Si", lattice: 10.26, pseudopotentials: [], functional: .pbe,
               ecut: 20, kmesh: [4, 4, 4], smearing: .none, irreducibleK: 8, fftGrid: [30, 30, 30], planeWavesAtGamma: 1139,
               freeEnergy: -8.45547479529052, internalEnergy: -8.45547479529052, fermiLevel: 0.161609620,
               terms: ["kinetic": 3.09214854486733, "hartree": 0.559337074556590, "xc": -3.09773052836006,
                       "ewald": -8.40046478618609, "psp_core": 0.553648753925927, "local_psp": -2.31334415050737,
                       "non_local_psp": 1.15093029641316],
               psp8Files: ["Si.psp8", "Si.psp8"], input: """
        # Si diamond, PBE PseudoDojo NC SR 0.4 standard (Si.psp8), ecut 20 Ha, Gamma-centred 4x4x4, insulating
        acell 3*10.26
        rprim 0.0 0.5 0.5  0.5 0.0 0.5  0.5 0.5 0.0
        ntypat 1  znucl 14  natom 2  typat 1 1
        xred 0 0 0  0.25 0.25 0.25
        pseudos "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8/Si.psp8"
        ixc -101130
        ecut 20
        kptopt 1 ngkpt 4 4 4 nshiftk 1 shiftk 0 0 0
        occopt 1 nband 4
        nc_xccc_gspace 0
        toldfe 1.0d-11 nstep 100
        prtwf 0 prtden 0 prteig 0
        """),
    ABINITCase(id: "GaAs_dojo_PBE_ec30_k4", material: "GaAs", lattice: 10.6826, pseudopotentials: [], functional: .pbe,
               ecut: 30, kmesh: [4, 4, 4], smearing: .fermiDirac(0.01), irreducibleK: 8, fftGrid: [40, 40, 40],
               planeWavesAtGamma: 2421,
               freeEnergy: -182.433797045190, internalEnergy: -182.431594839213, fermiLevel: 0.162783682,
               terms: ["kinetic": 138.450660137847, "hartree": 57.2059892780366, "xc": -44.6543692996198,
                       "ewald": -99.1888999640428, "psp_core": 4.92546423371274, "local_psp": -149.127270446893,
                       "non_local_psp": -90.0431687782539, "minus_TS": -0.00220220597743242],
               psp8Files: ["Ga.psp8", "As.psp8"], input: """
        # GaAs zincblende, PBE PseudoDojo NC SR 0.4 standard (Ga 3d in valence), ecut 30 Ha, Gamma-centred 4x4x4, FD 0.01 Ha
        acell 3*10.6826
        rprim 0.0 0.5 0.5  0.5 0.0 0.5  0.5 0.5 0.0
        ntypat 2  znucl 31 33  natom 2  typat 1 2
        xred 0 0 0  0.25 0.25 0.25
        pseudos "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8/Ga.psp8, /usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8/As.psp8"
        ixc -101130
        ecut 30
        kptopt 1 ngkpt 4 4 4 nshiftk 1 shiftk 0 0 0
        occopt 3 tsmear 0.01 nband 20
        toldfe 1.0d-11 nstep 200
        prtwf 0 prtden 0 prteig 0
        """),
    ABINITCase(id: "GaAs_dojo_PBE_ec40_k4", material: "GaAs", lattice: 10.6826, pseudopotentials: [], functional: .pbe,
               ecut: 40, kmesh: [4, 4, 4], smearing: .fermiDirac(0.01), irreducibleK: 8, fftGrid: [45, 45, 45],
               planeWavesAtGamma: 3695,
               freeEnergy: -182.521037848839, internalEnergy: -182.518823977550, fermiLevel: 0.162738079,
               terms: ["kinetic": 138.899461681196, "hartree": 57.3794730060659, "xc": -44.7089120981274,
                       "ewald": -99.1888999640428, "psp_core": 4.92546423371274, "local_psp": -149.387029342677,
                       "non_local_psp": -90.4383814936776, "minus_TS": -0.00221387128921122],
               psp8Files: ["Ga.psp8", "As.psp8"], input: """
        # GaAs zincblende, PBE PseudoDojo NC SR 0.4 standard (Ga 3d in valence), ecut 40 Ha, Gamma-centred 4x4x4, FD 0.01 Ha
        acell 3*10.6826
        rprim 0.0 0.5 0.5  0.5 0.0 0.5  0.5 0.5 0.0
        ntypat 2  znucl 31 33  natom 2  typat 1 2
        xred 0 0 0  0.25 0.25 0.25
        pseudos "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8/Ga.psp8, /usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8/As.psp8"
        ixc -101130
        ecut 40
        kptopt 1 ngkpt 4 4 4 nshiftk 1 shiftk 0 0 0
        occopt 3 tsmear 0.01 nband 20
        toldfe 1.0d-11 nstep 200
        prtwf 0 prtden 0 prteig 0
        """, abinitRadialRefinement: 2, termTolerance: 2e-6),
]
