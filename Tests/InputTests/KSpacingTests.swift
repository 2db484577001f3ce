import Foundation
import Testing
import PlaneWave
import TestSupport
@testable import Input

/// k-meshes from a spacing: N_i = max(1, ⌈|b_i| / Δk⌉), |b_i| with 2π (VASP KSPACING, AiiDA kpoints_distance).
@Suite struct KSpacingTests {
    /// The expected mesh, computed here from the vectors (Å) and the spacing (1/Å) without the
    /// program's `Lattice`: b_1 = 2π (a_2 × a_3) / (a_1 · (a_2 × a_3)), and cyclically.
    static func expectedMesh(_ a: [[Double]], spacing: Double) -> [Int] {
        func cross(_ u: [Double], _ v: [Double]) -> [Double] {
            [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]]
        }
        func dot(_ u: [Double], _ v: [Double]) -> Double { zip(u, v).map(*).reduce(0, +) }
        let volume = dot(a[0], cross(a[1], a[2]))
        return (0..<3).map { i in
            let c = cross(a[(i + 1) % 3], a[(i + 2) % 3])
            let length = 2 * Double.pi * dot(c, c).squareRoot() / abs(volume)
            return max(1, Int((length / spacing).rounded(.up)))
        }
    }

    struct Cell {
        let name: String
        let lattice: String        // the YAML structure.lattice
        let species: String
        let vectors: [[Double]]    // Å, for the independent computation
        let spacing: Double        // 1/Å
    }

    static let s3 = 3.0.squareRoot()
    static let cells: [Cell] = [
        // fcc GaAs a = 5.653 Å. By hand: |b| = 2π√3/a = 10.8828/5.653 = 1.9251 1/Å; /0.15 = 12.83 → 13x13x13
        Cell(name: "fcc GaAs", lattice: "{bravais: fcc, a: 5.653 Å}", species: "Ga",
             vectors: [[0, 2.8265, 2.8265], [2.8265, 0, 2.8265], [2.8265, 2.8265, 0]], spacing: 0.15),
        // bcc Fe a = 2.87 Å: |b| = 2π√2/a = 3.096 1/Å → 21
        Cell(name: "bcc Fe", lattice: "{bravais: bcc, a: 2.87 Å}", species: "Fe",
             vectors: [[-1.435, 1.435, 1.435], [1.435, -1.435, 1.435], [1.435, 1.435, -1.435]], spacing: 0.15),
        // wurtzite GaN by vectors, a = 3.19 Å, c = 5.19 Å: |b_1| = |b_2| = 4π/(a√3) → 16, |b_3| = 2π/c → 9
        Cell(name: "wurtzite GaN", lattice: "{vectors: [[3.19, 0, 0], [-1.595, \(1.595 * s3), 0], [0, 0, 5.19]], unit: Å}",
             species: "Ga", vectors: [[3.19, 0, 0], [-1.595, 1.595 * s3, 0], [0, 0, 5.19]], spacing: 0.15),
        // tetragonal a = 3.9 Å, c = 6.1 Å, spacing 0.2 1/Å: 2π/3.9/0.2 = 8.06 → 9, 2π/6.1/0.2 = 5.15 → 6
        Cell(name: "tetragonal", lattice: "{vectors: [[3.9, 0, 0], [0, 3.9, 0], [0, 0, 6.1]], unit: Å}", species: "Si",
             vectors: [[3.9, 0, 0], [0, 3.9, 0], [0, 0, 6.1]], spacing: 0.2),
        // slab-like, one 30 Å axis, spacing 0.25 1/Å: 2π/30/0.25 = 0.84 → 1 (the max(1, …))
        Cell(name: "slab", lattice: "{vectors: [[3.9, 0, 0], [0, 3.9, 0], [0, 0, 30]], unit: Å}", species: "Si",
             vectors: [[3.9, 0, 0], [0, 3.9, 0], [0, 0, 30]], spacing: 0.25),
    ]

    static func yaml(lattice: String, species: String, kmesh: String) -> String {
        """
        structure:
          lattice: \(lattice)
          atoms:
            - {species: \(species), position: [0, 0, 0]}
        pseudopotentials: {family: GTH-PBE}
        functional: PBE
        smearing: {type: fermi-dirac, width: 0.01 Ha}
        basis: {ecut: 10 Ha, kmesh: \(kmesh)}
        """
    }

    @Test(arguments: cells) func spacingGivesTheMesh(_ cell: Cell) throws {
        let expected = Self.expectedMesh(cell.vectors, spacing: cell.spacing)
        for text in ["\(cell.spacing) 1/Å", "\(cell.spacing) Å⁻¹", "\(cell.spacing / Units.angstrom) 1/bohr"] {
            let c = try Config.parse(yaml: Self.yaml(lattice: cell.lattice, species: cell.species, kmesh: "{spacing: \(text)}"))
            #expect(c.discretization.kmesh == expected, "\(cell.name), \(text)")
            #expect(abs(c.kmeshSpacing!.value - cell.spacing / Units.angstrom) < 1e-12)
        }
    }

    @Test func handChecks() throws {
        // the independent computation against the meshes worked out by hand in the comments above
        let byHand = [[13, 13, 13], [21, 21, 21], [16, 16, 9], [9, 9, 6], [7, 7, 1]]
        #expect(Self.cells.map { Self.expectedMesh($0.vectors, spacing: $0.spacing) } == byHand)
        // and the program's rule directly
        #expect(KSpacing.mesh(lattice: .fcc(5.653 * Units.angstrom), spacing: 0.15 / Units.angstrom) == [13, 13, 13])
    }

    @Test func meshesStillWork() throws {
        for (text, mesh) in [("4", [4, 4, 4]), ("4x4x2", [4, 4, 2]), ("[3, 2, 1]", [3, 2, 1])] {
            let c = try Config.parse(yaml: Self.yaml(lattice: "{bravais: fcc, a: 5.653 Å}", species: "Si", kmesh: text))
            #expect(c.discretization.kmesh == mesh && c.kmeshSpacing == nil)
        }
    }

    @Test func spacingFollowsTheCellUnderAOverride() throws {
        let c = try Config.parse(yaml: Self.yaml(lattice: "{bravais: fcc, a: 5.653 Å}", species: "Si", kmesh: "{spacing: 0.15 1/Å}"))
        // a twice as large: |b| halves, 6.42 → 7
        let big = try c.applying(ConfigOverrides(a: "11.306 Å"))
        #expect(big.discretization.kmesh == [7, 7, 7])
        let fixed = try c.applying(ConfigOverrides(kmesh: "2x2x2", a: "11.306 Å"))
        #expect(fixed.discretization.kmesh == [2, 2, 2] && fixed.kmeshSpacing == nil)
    }

    /// One error line naming the field, the value and what is allowed.
    static func oneLine(_ body: () throws -> Any, _ needles: [String]) {
        do {
            _ = try body()
            Issue.record("accepted: \(needles)")
        } catch {
            let text = "\(error)"
            #expect(!text.contains("\n"), "\(text)")
            for n in needles { #expect(text.contains(n), "\(text) lacks \(n)") }
        }
    }

    @Test func badSpacings() throws {
        let cases: [(String, [String])] = [
            ("0 1/Å", ["basis.kmesh.spacing", "0 1/Å", "must be positive"]),
            ("-0.2 1/Å", ["basis.kmesh.spacing", "-0.2 1/Å", "must be positive"]),
            ("0.15", ["basis.kmesh.spacing", "0.15", "needs a unit", "1/bohr, 1/Å"]),
            ("0.15 Å", ["basis.kmesh.spacing", "0.15 Å", "unknown unit", "1/bohr, 1/Å"]),
            ("0.15 eV", ["basis.kmesh.spacing", "0.15 eV", "unknown unit", "1/bohr, 1/Å"]),
            ("0.0001 1/Å", ["basis.kmesh.spacing", "0.0001 1/Å", "at most 200"]),
        ]
        for (text, needles) in cases {
            Self.oneLine({ try Config.parse(yaml: Self.yaml(lattice: "{bravais: fcc, a: 5.653 Å}", species: "Si", kmesh: "{spacing: \(text)}")) },
                         needles)
        }
        Self.oneLine({ try Config.parse(yaml: Self.yaml(lattice: "{bravais: fcc, a: 5.653 Å}", species: "Si", kmesh: "{distance: 0.2 1/Å}")) },
                     ["basis.kmesh", "distance", "spacing"])
    }

    // MARK: the k-mesh stage

    static func scan(_ values: String) throws -> ScanConfig {
        try preset("gaas-fast.yaml", ["stages.kmesh.values=\(values)"])
    }

    @Test func stageSpacings() throws {
        // GaAs (fast preset, a = 5.653 Å): |b| = 1.9251 1/Å → 0.4: 4.81 → 5, 0.39: 4.94 → 5, 0.3: 6.42 → 7, 0.15: 12.83 → 13
        let vectors = Self.cells[0].vectors
        for values in ["[0.3 1/Å, 0.4 1/Å, 0.15 1/Å, 0.39 1/Å]", "'[0.4, 0.39, 0.3, 0.15] 1/Å'", "[0.4, 0.39, 0.3, 0.15] Å⁻¹",
                       "[\(0.4 / Units.angstrom) 1/bohr, \(0.39 / Units.angstrom) 1/bohr, \(0.3 / Units.angstrom) bohr^-1, 0.15 Å⁻¹]"] {
            let k = try #require(try Self.scan(values).kmesh, "\(values)")
            let expected = [0.4, 0.3, 0.15].map { Self.expectedMesh(vectors, spacing: $0) }
            #expect(expected == [[5, 5, 5], [7, 7, 7], [13, 13, 13]])
            #expect(k.values == expected, "\(values)")
            let perA = try #require(k.spacings).map { $0.map { ($0 * Units.angstrom * 1e6).rounded() / 1e6 } }
            #expect(perA == [[0.4, 0.39], [0.3], [0.15]], "\(values)")
            #expect(k.mergedSpacingNotes.count == 1 && k.mergedSpacingNotes[0].contains("0.4, 0.39 1/Å")
                    && k.mergedSpacingNotes[0].contains("5x5x5") && k.mergedSpacingNotes[0].contains("computed once"))
            // the recommendation's spacing: the largest giving the chosen mesh
            let settings = AnalysisSettings(scan: try Self.scan(values))
            #expect(settings.kmesh_spacings_per_bohr?["5x5x5"].map { ($0 * Units.angstrom * 1e6).rounded() / 1e6 } == 0.4)
        }
        // meshes keep working, with no spacings
        let meshes = try #require(try Self.scan("[2, 4x4x4, [6, 6, 6]]").kmesh)
        #expect(meshes.values == [[2, 2, 2], [4, 4, 4], [6, 6, 6]] && meshes.spacings == nil && meshes.mergedSpacingNotes.isEmpty)
    }

    @Test func badStageSpacings() throws {
        let cases: [(String, [String])] = [
            ("[0.3 1/Å, 0 1/Å]", ["stages.kmesh.values[1]", "0 1/Å", "must be positive"]),
            ("[0.3 1/Å, -0.2 1/Å]", ["stages.kmesh.values[1]", "-0.2 1/Å", "must be positive"]),
            ("[0.3, 0.2 1/Å]", ["stages.kmesh.values[0]", "0.3", "needs a unit", "1/bohr, 1/Å"]),
            ("[0.3 Å, 0.2 1/Å]", ["stages.kmesh.values[0]", "0.3 Å", "unknown unit", "1/bohr, 1/Å"]),
            ("'[0.3, 0.2]'", ["stages.kmesh.values", "need a unit"]),
            ("'[0.3, 0.2] eV'", ["stages.kmesh.values[0]", "0.3 eV", "unknown unit"]),
            ("[4, 0.2 1/Å]", ["stages.kmesh.values", "mixes k-point meshes and k-point spacings"]),
            ("[0.2 1/Å, 0.2 1/Å]", ["stages.kmesh.values", "listed twice"]),
        ]
        for (values, needles) in cases {
            do {
                _ = try Self.scan(values)
                Issue.record("accepted \(values)")
            } catch let e as ScanConfigErrors {
                #expect(e.errors.count == 1, "\(values): \(e.errors.map { "\($0)" })")
                let text = "\(e.errors.first.map { "\($0)" } ?? "")"
                #expect(!text.contains("\n"))
                for n in needles { #expect(text.contains(n), "\(values): \(text) lacks \(n)") }
            }
        }
    }
}
