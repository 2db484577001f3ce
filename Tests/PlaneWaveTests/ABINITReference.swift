import PlaneWave

/// Reference energies computed with ABINIT 9.6.2 (Debian, libxc 5.2.3) on the same GTH
/// pseudopotentials, SCF to toldfe 1e-10 Ha. Conventions: FCC primitive vectors a/2·(0,1,1),
/// (1,0,1), (1,1,0); atoms at (0,0,0) and (¼,¼,¼); Γ-centred meshes reduced by the full symmetry
/// and time reversal; `psp_core` is the G = 0 term of the local pseudopotential, `local_psp`
/// excludes it; F = U − TS is ABINIT's etotal; ABINIT's Fermi level omits the G = 0 average of
/// the local potential (as this engine does).
struct ABINITCase: Sendable, CustomStringConvertible {
    let id: String
    let material: String
    let lattice: Double           // cubic a, bohr
    let pseudopotentials: [String] // "Element Name" keys of the shipped CP2K table (`PseudopotentialLibrary`)
    let functional: Functional
    let ecut: Double
    let kmesh: [Int]
    let smearing: Smearing
    let irreducibleK: Int
    let fftGrid: [Int]
    let planeWavesAtGamma: Int
    let freeEnergy: Double
    let internalEnergy: Double
    let fermiLevel: Double
    let terms: [String: Double]   // kinetic hartree xc ewald psp_core local_psp non_local_psp minus_TS
    /// psp8 files (under `psp8Directory`) per atom instead of `pseudopotentials`, and the ABINIT input.
    var psp8Files: [String] = []
    var input: String = ""
    /// ABINIT's radial mesh refinement for the psp8 transforms (`abinitRefined`): 1, or the factor
    /// by which ABINIT 9.6 refines the file's grid (psp8nl, psp8lo), when its q grid, which ends at
    /// 1.2 · 2√(2 ecut) (FFT boxes that hold the density sphere), reaches beyond 2π²/(100 Δr)
    /// (19.74 bohr⁻¹ for PseudoDojo's Δr = 0.01 bohr, so from ecut 33.8 Ha on):
    /// m = ⌊Δr · 100 q_max / 2π²⌋ + 1.
    var abinitRadialRefinement: Int = 1
    /// |ΔE| allowed per energy term (Ha); F and U are held to 1e-5 Ha in every case.
    var termTolerance: Double = 1e-5
    var description: String { id }

    /// Debian abinit-data's PseudoDojo NC SR 0.4 PBE standard files.
    static let psp8Directory = "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8"
}


let abinitCases: [ABINITCase] = [
    ABINITCase(id: "Si_LDA_cp2kpade_ec10", material: "Si", lattice: 10.26, pseudopotentials: ["Si GTH-PADE-q4"],
               functional: .lda, ecut: 10, kmesh: [4, 4, 4], smearing: .none,
               irreducibleK: 8, fftGrid: [24, 24, 24], planeWavesAtGamma: 411,
               freeEnergy: -7.91947499727187, internalEnergy: -7.91947499727187,
               fermiLevel: 0.261576314,
               terms: ["kinetic": 3.14797377801353, "hartree": 0.556867921380812, "xc": -2.40001832970901, "ewald": -8.40046478618609, "psp_core": -0.294892765803411, "local_psp": -2.16172706899499, "non_local_psp": 1.63278625402729, "minus_TS": 0.0]),
    ABINITCase(id: "Si_LDA_cp2kpade_ec15", material: "Si", lattice: 10.26, pseudopotentials: ["Si GTH-PADE-q4"],
               functional: .lda, ecut: 15, kmesh: [4, 4, 4], smearing: .none,
               irreducibleK: 8, fftGrid: [27, 27, 27], planeWavesAtGamma: 725,
               freeEnergy: -7.92488524638863, internalEnergy: -7.92488524638863,
               fermiLevel: 0.260748467,
               terms: ["kinetic": 3.17351258360969, "hartree": 0.558368730988594, "xc": -2.40110255701648, "ewald": -8.40046478618609, "psp_core": -0.294892765803411, "local_psp": -2.14605454137486, "non_local_psp": 1.58574808939392, "minus_TS": 0.0]),
    ABINITCase(id: "Si_LDA_cp2kpade_ec20", material: "Si", lattice: 10.26, pseudopotentials: ["Si GTH-PADE-q4"],
               functional: .lda, ecut: 20, kmesh: [4, 4, 4], smearing: .none,
               irreducibleK: 8, fftGrid: [30, 30, 30], planeWavesAtGamma: 1139,
               freeEnergy: -7.92550331008362, internalEnergy: -7.92550331008362,
               fermiLevel: 0.260536917,
               terms: ["kinetic": 3.17693438574017, "hartree": 0.558552621629508, "xc": -2.40125689964835, "ewald": -8.40046478618609, "psp_core": -0.294892765803411, "local_psp": -2.14342665107365, "non_local_psp": 1.5790507852582, "minus_TS": 0.0]),
    ABINITCase(id: "Si_PBE_gthpbe_ec10", material: "Si", lattice: 10.26, pseudopotentials: ["Si GTH-PBE-q4"],
               functional: .pbe, ecut: 10, kmesh: [4, 4, 4], smearing: .none,
               irreducibleK: 8, fftGrid: [24, 24, 24], planeWavesAtGamma: 411,
               freeEnergy: -7.86511113756613, internalEnergy: -7.86511113756613,
               fermiLevel: 0.257753286,
               terms: ["kinetic": 3.14363867265645, "hartree": 0.557066095486832, "xc": -2.41920586382577, "ewald": -8.40046478618609, "psp_core": -0.210081276301052, "local_psp": -2.12185504123611, "non_local_psp": 1.58579106183961, "minus_TS": 0.0]),
    ABINITCase(id: "Si_PBE_gthpbe_ec15", material: "Si", lattice: 10.26, pseudopotentials: ["Si GTH-PBE-q4"],
               functional: .pbe, ecut: 15, kmesh: [4, 4, 4], smearing: .none,
               irreducibleK: 8, fftGrid: [27, 27, 27], planeWavesAtGamma: 725,
               freeEnergy: -7.86974322539939, internalEnergy: -7.86974322539939,
               fermiLevel: 0.257085977,
               terms: ["kinetic": 3.1570216434071, "hartree": 0.558477883206632, "xc": -2.42036727412811, "ewald": -8.40046478618609, "psp_core": -0.210081276301052, "local_psp": -2.11934902567717, "non_local_psp": 1.56501961027929, "minus_TS": 0.0]),
    ABINITCase(id: "Si_PBE_gthpbe_ec20", material: "Si", lattice: 10.26, pseudopotentials: ["Si GTH-PBE-q4"],
               functional: .pbe, ecut: 20, kmesh: [4, 4, 4], smearing: .none,
               irreducibleK: 8, fftGrid: [30, 30, 30], planeWavesAtGamma: 1139,
               freeEnergy: -7.87016808827803, internalEnergy: -7.87016808827803,
               fermiLevel: 0.256939208,
               terms: ["kinetic": 3.15878551839903, "hartree": 0.558627439799491, "xc": -2.42052622470796, "ewald": -8.40046478618609, "psp_core": -0.210081276301052, "local_psp": -2.11822000506706, "non_local_psp": 1.56171124578561, "minus_TS": 0.0]),
    ABINITCase(id: "GaAs_LDA_cp2kpade_ec20", material: "GaAs", lattice: 10.6826, pseudopotentials: ["Ga GTH-PADE-q3", "As GTH-PADE-q5"],
               functional: .lda, ecut: 20, kmesh: [4, 4, 4], smearing: .none,
               irreducibleK: 8, fftGrid: [32, 32, 32], planeWavesAtGamma: 1291,
               freeEnergy: -8.65520701932184, internalEnergy: -8.65520701932184,
               fermiLevel: 0.125997408,
               terms: ["kinetic": 3.23807228534525, "hartree": 0.796704290585949, "xc": -2.392649914999, "ewald": -8.42226562918717, "psp_core": 0.37815088305329, "local_psp": -3.11043537489377, "non_local_psp": 0.857216440773615, "minus_TS": 0.0]),
    ABINITCase(id: "GaAs_PBE_ec25_k4", material: "GaAs", lattice: 10.6826, pseudopotentials: ["Ga GTH-PBE-q3", "As GTH-PBE-q5"],
               functional: .pbe, ecut: 25, kmesh: [4, 4, 4], smearing: .fermiDirac(0.01),
               irreducibleK: 8, fftGrid: [36, 36, 36], planeWavesAtGamma: 1837,
               freeEnergy: -8.53556762427911, internalEnergy: -8.53340916959191,
               fermiLevel: 0.154777241,
               terms: ["kinetic": 3.21127742202377, "hartree": 0.791157110167341, "xc": -2.41262086036839, "ewald": -8.42226562918717, "psp_core": 0.37815088305329, "local_psp": -3.09087899386665, "non_local_psp": 1.0117708985859, "minus_TS": -0.00215845468720065]),
]
