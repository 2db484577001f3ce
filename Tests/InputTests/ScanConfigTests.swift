import Foundation
import Testing
import PlaneWave
import TestSupport
@testable import Input

@Suite struct ScanConfigTests {
    @Test func presets() throws {
        let fast = try preset("gaas-fast.yaml")
        #expect(fast.mode == .staged && fast.stageNames == ["cutoff", "kmesh", "lattice"])
        #expect(fast.cutoff?.values == [10, 12, 14, 16] && fast.cutoff?.kmesh == [2, 2, 2])
        #expect(abs(fast.cutoff!.tolerance - 0.020 / Units.hartreeInEV) < 1e-15)
        #expect(fast.kmesh?.values == [[2, 2, 2], [4, 4, 4], [6, 6, 6]])
        #expect(fast.lattice?.values.count == 5)
        #expect(abs(fast.lattice!.values[2] - 5.75 * Units.angstrom) < 1e-12)
        #expect(abs(fast.lattice!.values[4] / fast.lattice!.values[2] - 1.02) < 1e-12)
        #expect(fast.resources.timeout == 300 && fast.resources.ranksPerPoint == nil)
        #expect(fast.outputDirectory.hasSuffix("results/runs/gaas-fast"))

        let prod = try preset("gaas-production.yaml")
        #expect(prod.cutoff!.values.first! == 40 && prod.cutoff!.values.last! == 100, "80…200 Ry in Ha")
        #expect(prod.cutoff!.differenceLattice?.count == 2)
        #expect(prod.kmesh!.values.last == [8, 8, 8] && prod.resources.timeout == 900)
        #expect(prod.resources.memoryLimit == 16_000_000_000)
        let hpc = try preset("gaas-hpc.yaml")
        #expect(hpc.resources.timeout == 3600 && hpc.resources.memoryLimit == 64_000_000_000 && hpc.kmesh!.values.count == 7)
        // a one-point config gets default stages around its basis
        let si = try preset("si-lda.yaml")
        #expect(si.stageNames == ["cutoff", "kmesh", "lattice"] && si.cutoff!.values.contains(15))
        #expect(si.physicsIdentity != fast.physicsIdentity)
    }

    @Test func setOverrides() throws {
        let c = try preset("gaas-fast.yaml", ["output.directory=/scratch/run1", "stages.kmesh.values=[2,4]",
                                              "structure.atoms[1].position=[0.3, 0.25, 0.25]", "resources.ranks_per_point=2",
                                              "stages.mode=grid"])
        #expect(c.outputDirectory == "/scratch/run1")
        #expect(c.kmesh?.values == [[2, 2, 2], [4, 4, 4]] && c.mode == .grid && c.resources.ranksPerPoint == 2)
        #expect(c.base.crystal.atoms[1].position.x == 0.3)
        #expect(c.configHash != (try preset("gaas-fast.yaml")).configHash)
        #expect(throws: ScanConfigErrors.self) { try preset("gaas-fast.yaml", ["name.x=1"]) }
        #expect(throws: ScanConfigErrors.self) { try preset("gaas-fast.yaml", ["structure.atoms[7].species=Ga"]) }
    }

    @Test func everyProblemWithItsPath() throws {
        let yaml = try String(contentsOf: configDirectory.appendingPathComponent("gaas-fast.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "values: [10 Ha, 12 Ha, 14 Ha, 16 Ha]", with: "values: [10 Ha, -5 Ha, 0 Ry]")
            .replacingOccurrences(of: "timeout: 300 s", with: "timeout: soon")
        do {
            _ = try ScanConfig.parse(yaml: yaml, file: "x.yaml")
            Issue.record("accepted")
        } catch let e as ScanConfigErrors {
            let paths = e.errors.map(\.field)
            #expect(paths == ["stages.cutoff.values[1]", "stages.cutoff.values[2]", "resources.timeout"], "\(e)")
            #expect(e.errors[0].description.hasPrefix("stages.cutoff.values[1]: -5 Ha must be positive (x.yaml, line"))
        }
    }

    /// A structure given by vectors without `a:` has no lattice constant to scan around: the default
    /// stages leave the lattice stage out and say so (`notes`, printed as a warning by `run`); an
    /// explicit lattice stage without `center:` or `values:` is an error naming the field.
    @Test func noLatticeConstantIsStatedNotDropped() throws {
        func yaml(_ lattice: String, _ stages: String = "") -> String {
            """
            name: si-vectors
            structure:
              lattice: {vectors: [[0, 2.715, 2.715], [2.715, 0, 2.715], [2.715, 2.715, 0]], unit: Å\(lattice)}
              atoms:
                - {species: Si, position: [0, 0, 0]}
                - {species: Si, position: [0.25, 0.25, 0.25]}
            pseudopotentials: {family: GTH-PADE}
            functional: LDA
            basis: {ecut: 15 Ha, kmesh: 4x4x4}
            \(stages)
            """
        }
        let noA = try ScanConfig.parse(yaml: yaml(""), file: "v.yaml")
        #expect(noA.stageNames == ["cutoff", "kmesh"])
        #expect(noA.notes.count == 1 && noA.notes[0].hasPrefix("no lattice stage") && noA.notes[0].contains("structure.lattice.a"), "\(noA.notes)")
        let withA = try ScanConfig.parse(yaml: yaml(", a: 5.43 Å"), file: "v.yaml")
        #expect(withA.stageNames == ["cutoff", "kmesh", "lattice"] && withA.notes.isEmpty)
        do {
            _ = try ScanConfig.parse(yaml: yaml("", "stages: {lattice: {range: 2 %, points: 3}}"), file: "v.yaml")
            Issue.record("a lattice stage without a lattice constant was accepted")
        } catch let e as ScanConfigErrors {
            #expect(e.errors.count == 1 && e.errors[0].field == "stages.lattice" && e.errors[0].description.contains("add a: to the structure"), "\(e)")
        }
    }
}

extension ScanConfigTests {
    /// Default stages follow the cell's shape: a hexagonal one-point config scans k-point spacings
    /// around its base mesh (Δk_0 = max_i |b_i|/N_i, times n/m for m = n−2, n, n+2), not n×n×n meshes;
    /// a cubic cell with an n×n×n base keeps its n×n×n meshes.
    @Test func defaultKMeshStageFollowsTheCellShape() throws {
        func yaml(_ lattice: String, _ atoms: String, _ kmesh: String) -> String {
            """
            name: shape
            structure:
              lattice: \(lattice)
              atoms:
            \(atoms)
            pseudopotentials: {family: GTH-PADE}
            functional: LDA
            basis: {ecut: 20 Ha, kmesh: \(kmesh)}
            """
        }
        let hexagonal = "{vectors: [[3.189, 0, 0], [-1.5945, 2.761754, 0], [0, 0, 5.185]], unit: Å, a: 3.189 Å}"
        let ganAtoms = """
                - {species: Ga, position: [0.333333333333, 0.666666666667, 0]}
                - {species: Ga, position: [0.666666666667, 0.333333333333, 0.5]}
                - {species: N, position: [0.333333333333, 0.666666666667, 0.377]}
                - {species: N, position: [0.666666666667, 0.333333333333, 0.877]}
            """
        let gan = try ScanConfig.parse(yaml: yaml(hexagonal, ganAtoms, "6x6x3"), file: "gan.yaml")
        let km = try #require(gan.kmesh)
        #expect(km.values == [[4, 4, 2], [6, 6, 3], [8, 8, 4]], "\(km.values)")
        let spacings = try #require(km.spacings).map { $0[0] }
        // |b_3|/3 decides the base spacing for this cell: 2π/c/3
        let c = 5.185 * Units.angstrom, base = 2 * Double.pi / c / 3
        for (s, m) in zip(spacings, [4.0, 6.0, 8.0]) { #expect(abs(s - base * 6 / m) < 1e-12 * base, "\(spacings)") }
        #expect(km.spacing(of: [6, 6, 3]).map { abs($0 - base) < 1e-12 } == true)

        let siAtoms = """
                - {species: Si, position: [0, 0, 0]}
                - {species: Si, position: [0.25, 0.25, 0.25]}
            """
        let si = try ScanConfig.parse(yaml: yaml("{bravais: fcc, a: 5.43 Å}", siAtoms, "4x4x4"), file: "si.yaml")
        #expect(si.kmesh?.values == [[2, 2, 2], [4, 4, 4], [6, 6, 6]] && si.kmesh?.spacings == nil)
        #expect(gan.notes.isEmpty && si.notes.isEmpty, "\(gan.notes) \(si.notes)")
        // a base mesh that does not follow the cell's shape: scanned by spacing, by its coarsest
        // direction (|b|/2 for 4x4x2 on fcc), and the run says so
        let si2 = try ScanConfig.parse(yaml: yaml("{bravais: fcc, a: 5.43 Å}", siAtoms, "4x4x2"), file: "si.yaml")
        #expect(si2.kmesh?.spacings != nil && si2.kmesh?.values == [[1, 1, 1], [2, 2, 2], [3, 3, 3]], "\(String(describing: si2.kmesh?.values))")
        #expect(si2.notes.count == 1 && si2.notes[0].contains("basis.kmesh 4x4x2 does not follow the cell's shape"), "\(si2.notes)")
    }
}

/// The `analysis:` section of a scan config: read into `ScanConfig.analysis`, validated with its paths.
@Suite struct ScanAnalysisSectionTests {
    @Test func readAndCombinedWithTheStageTolerances() throws {
        let c = try preset("gaas-fast.yaml", ["analysis={energy_tolerance: 2 meV/atom, final_point: false, bands: {points: 30}, dos: {kmesh: 5x5x5, broadening: 0.05 eV}}"])
        #expect(!c.analysis.final_point && c.analysis.band_points == 30 && c.analysis.dos_kmesh == [5, 5, 5])
        #expect(abs(c.analysis.dos_broadening_eV - 0.05) < 1e-12 && abs(c.analysis.criteria.energy_eV_per_atom - 0.002) < 1e-12)
        let s = AnalysisSettings(scan: c, analysis: c.analysis)
        #expect(abs(s.criteria(for: "cutoff").energy_eV_per_atom - 0.020) < 1e-9, "the cutoff stage's 20 meV/atom")
        #expect(abs(s.criteria(for: "lattice").energy_eV_per_atom - 0.002) < 1e-12, "the section's tolerance elsewhere")
        #expect(try preset("gaas-fast.yaml").analysis == AnalysisSettings())
    }

    @Test(arguments: [
        ("analysis={bands: {points: 1}}", "analysis.bands.points: 1 must be at least 2"),
        ("analysis={dos: {kmesh: 0x2x2}}", "analysis.dos.kmesh"),
        ("analysis={energy_tolerance: -1 meV/atom}", "analysis.energy_tolerance: -1 meV/atom must be positive"),
        ("analysis={final_pont: true}", "analysis.final_pont: unknown key"),
        ("analysis=[1, 2]", "analysis: "),
        ("analysis={force_warning: 0.01 GPa}", "analysis.force_warning: '0.01 GPa' has unknown unit 'GPa'; allowed units: Ha/bohr"),
        ("stages.cutoff.tolerance={energy: 1 meV/atom, pressure: 200 GPa}", "stages.cutoff.tolerance.pressure: 200 GPa is implausibly large"),
        ("stages.kmesh.tolerance={force: -1 eV/Å}", "stages.kmesh.tolerance.force: -1 eV/Å must be positive"),
        ("stages.kmesh.tolerance={magnetization: 0.01 GPa}", "stages.kmesh.tolerance.magnetization: '0.01 GPa' is not a magnetization per atom"),
        ("stages.cutoff.tolerance={magnetization: 0}", "stages.cutoff.tolerance.magnetization: 0 must be positive"),
    ])
    func rejectedWithItsPath(_ set: String, _ expected: String) throws {
        do {
            _ = try preset("gaas-fast.yaml", [set])
            Issue.record("accepted \(set)")
        } catch let e as ScanConfigErrors {
            #expect(e.errors.count == 1 && e.description.hasPrefix(expected), "\(e)")
        }
    }
}

/// A stage's `tolerance` per quantity: energy, pressure and forces into the stage's criteria (the one rule).
@Suite struct StageToleranceMappingTests {
    @Test func pressureAndForceTolerances() throws {
        let c = try preset("gaas-fast.yaml", ["stages.cutoff.tolerance={energy: 2 meV/atom, pressure: 5 kbar}",
                                              "stages.kmesh.tolerance={pressure: 0.3 GPa, force: 0.05 eV/Å}",
                                              "analysis={force_warning: 2 mHa/bohr}"])
        #expect(abs(c.cutoff!.tolerance - 0.002 / Units.hartreeInEV) < 1e-15)
        #expect(abs(c.cutoff!.pressureTolerance! * Units.hartreePerBohr3InGPa - 0.5) < 1e-12 && c.cutoff!.forceTolerance == nil)
        #expect(abs(c.kmesh!.tolerance - 0.001 / Units.hartreeInEV) < 1e-15, "the energy's default")
        #expect(abs(c.kmesh!.forceTolerance! - 0.05 / Units.hartreeInEV / Units.angstrom) < 1e-15)
        let s = AnalysisSettings(scan: c, analysis: c.analysis)
        #expect(abs(s.criteria(for: "cutoff").pressure_GPa! - 0.5) < 1e-12 && s.criteria(for: "cutoff").force_Ha_per_bohr == nil)
        #expect(abs(s.criteria(for: "kmesh").pressure_GPa! - 0.3) < 1e-12)
        #expect(s.criteria(for: "lattice").pressure_GPa == nil)
        #expect(abs(c.analysis.forceWarning - 0.002) < 1e-15)
        #expect(try preset("gaas-fast.yaml").analysis.forceWarning == AnalysisSettings.defaultForceWarning)
    }
}

/// `tolerance: {magnetization: 0.01 μB/atom}` into the stage's criteria (the one rule).
@Suite struct MagnetizationToleranceTests {
    @Test func magnetizationTolerance() throws {
        let c = try preset("gaas-fast.yaml", ["stages.cutoff.tolerance={energy: 2 meV/atom, magnetization: 0.01 μB/atom}",
                                              "stages.kmesh.tolerance={magnetization: 0.02 muB}"])
        #expect(c.cutoff!.magnetizationTolerance == 0.01 && c.kmesh!.magnetizationTolerance == 0.02)
        #expect(abs(c.cutoff!.tolerance - 0.002 / Units.hartreeInEV) < 1e-15)
        let s = AnalysisSettings(scan: c, analysis: c.analysis)
        #expect(s.criteria(for: "cutoff").magnetization_muB_per_atom == 0.01 && s.criteria(for: "kmesh").magnetization_muB_per_atom == 0.02)
        #expect(s.criteria(for: "lattice").magnetization_muB_per_atom == nil)
        #expect(try preset("gaas-fast.yaml").cutoff!.magnetizationTolerance == nil)
    }
}
