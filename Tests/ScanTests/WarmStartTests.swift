import Bindings
import Foundation
import PlaneWave
import Testing
import TestSupport
import Input
import Convergence
import RunStore
import ParallelSCF
@testable import Scan

/// GaAs PBE (GTH, Fermi–Dirac 0.01 Ha) at a cutoff, Γ-centred mesh and lattice constant (Å).
private func gaasBasis(ecut: Double, kmesh: Int, a: Double) throws -> PlaneWaveBasis {
    let lib = PseudopotentialLibrary.shared
    let pps = ["Ga": try lib.lookup(element: "Ga", family: "GTH-PBE", valence: 3),
               "As": try lib.lookup(element: "As", family: "GTH-PBE", valence: 5)]
    let crystal = try Crystal.zincblende("Ga", "As", a: a * Units.angstrom)
    let model = try Model(crystal: crystal, pseudopotentials: pps, functional: .pbe, smearing: .fermiDirac(0.01))
    return try PlaneWaveBasis(model: model, discretization: try Discretization(ecut: ecut, kmesh: [kmesh, kmesh, kmesh]))
}

private func scanPoint(_ stage: String, ecut: Double, a: Double?, kmesh: Int = 2) -> ScanPoint {
    let key = ScanPoint.key(ecut: ecut, kmesh: [kmesh, kmesh, kmesh], kshift: [0, 0, 0], a: a)
    return ScanPoint(id: "\(stage)/\(key)", stage: stage, index: 0, ecut: ecut, kmesh: [kmesh, kmesh, kmesh], kshift: [0, 0, 0],
                     a: a, cost: ecut, irreducibleK: 3)
}

@Suite struct WarmStartTests {
    struct Converged {
        var result: SCFResult
        var deformation: StoredDensity
        var orbitals: StoredOrbitals
    }

    /// One SCF as the scan's executor runs it: from the warm start's sources (deformation
    /// densities) and orbitals, or cold.
    static func scf(_ basis: PlaneWaveBasis, sources: [(weight: Double, density: StoredDensity)] = [],
                    orbitals: StoredOrbitals? = nil) throws -> Converged {
        var p = SCFParameters()
        p.energyTolerance = 1e-8; p.densityTolerance = 1e-5; p.maxIterations = 60
        let scf = try SCF(basis: basis, parameters: p)
        let atomic = scf.initialDensity()
        let start = sources.isEmpty ? nil : StoredDensity.start(from: sources, grid: basis.fftSize, volume: basis.volume,
                                                                electrons: basis.model.electronCount, atomic: atomic)
        let r = try scf.run(startDensity: start, startOrbitals: orbitals?.mapped(onto: basis) ?? [:])
        #expect(r.converged)
        return Converged(result: r, deformation: StoredDensity(grid: basis.fftSize, volume: basis.volume, values: zip(r.density, atomic).map { $0 - $1 }),
                         orbitals: StoredOrbitals(basis: basis, orbitals: scf.orbitals))
    }

    /// The acceptance criterion of warm starts: a warm-started point's F equals its cold F to 1e-7 Ha,
    /// from another cutoff (other FFT grid), another lattice constant, and an extrapolation along
    /// the lattice constant; and it takes fewer SCF iterations.
    @Test func warmFreeEnergyEqualsCold() throws {
        BLASThreads.set(1)
        let base = try Self.scf(try gaasBasis(ecut: 12, kmesh: 2, a: 5.653))
        let other = try Self.scf(try gaasBasis(ecut: 12, kmesh: 2, a: 5.70))
        // another cutoff, same cell (another FFT grid)
        let lowCut = try gaasBasis(ecut: 7, kmesh: 2, a: 5.653)
        #expect(lowCut.fftSize != base.deformation.grid)
        let coldLow = try Self.scf(lowCut)
        let warmLow = try Self.scf(lowCut, sources: [(1, base.deformation)], orbitals: base.orbitals)
        #expect(abs(warmLow.result.freeEnergy - coldLow.result.freeEnergy) <= 1e-7)
        #expect(warmLow.result.iterations < coldLow.result.iterations)
        // another lattice constant: from one neighbour, and extrapolated from two
        let cell = try gaasBasis(ecut: 12, kmesh: 2, a: 5.75)
        let cold = try Self.scf(cell)
        let single = try Self.scf(cell, sources: [(1, other.deformation)], orbitals: other.orbitals)
        let w = WarmStartStore.lagrangeWeights(nodes: [5.70, 5.653], at: 5.75)
        let extrapolated = try Self.scf(cell, sources: [(w[0], other.deformation), (w[1], base.deformation)], orbitals: other.orbitals)
        for warm in [single, extrapolated] {
            #expect(abs(warm.result.freeEnergy - cold.result.freeEnergy) <= 1e-7, "warm \(warm.result.freeEnergy) cold \(cold.result.freeEnergy)")
            #expect(warm.result.iterations < cold.result.iterations)
        }
        #expect(extrapolated.result.history[0].densityResidual < single.result.history[0].densityResidual)
    }

    @Test func orbitalsMapByMillerIndexAndSurviveTheWire() throws {
        let small = try gaasBasis(ecut: 6, kmesh: 2, a: 5.653)
        let large = try gaasBasis(ecut: 8, kmesh: 2, a: 5.653)
        var orbitals: [Int: ComplexMatrix] = [:]
        for (k, kb) in small.kpoints.enumerated() {
            orbitals[k] = ComplexMatrix(rows: kb.count, cols: 3) { g, n in Complex64(Double(g + 1), Double(n + 10 * k)) }
        }
        let stored = StoredOrbitals(basis: small, orbitals: orbitals)
        let back = try #require(StoredOrbitals(encoded: stored.encoded()))
        #expect(back.blocks.count == small.kpoints.count)
        #expect(StoredOrbitals(encoded: stored.encoded().dropLast()) == nil)
        let mapped = back.mapped(onto: large)
        #expect(mapped.count == large.kpoints.count)
        for (k, kb) in large.kpoints.enumerated() {
            let m = try #require(mapped[k])
            #expect(m.rows == kb.count && m.cols == 3)
            let old = Dictionary(uniqueKeysWithValues: small.kpoints[k].millers.enumerated().map { ($1, $0) })
            for (g, miller) in kb.millers.enumerated() {
                let expected = old[miller].map { Complex64(Double($0 + 1), Double(2 + 10 * k)) } ?? .zero
                #expect(m[g, 2] == expected)
            }
        }
        // k-points that are not stored get nothing
        #expect(back.mapped(onto: try gaasBasis(ecut: 6, kmesh: 3, a: 5.653)).count < 4)
    }

    @Test func storeOrdersWaitsAndExtrapolates() {
        let a0 = 5.653 * Units.angstrom
        let grid = [2, 2, 2]
        func density(_ x: Double) -> StoredDensity { StoredDensity(grid: grid, volume: 1, values: [Double](repeating: x, count: 8)) }
        let store = WarmStartStore(capacity: 3, orbitalCapacity: 1)
        let c10 = scanPoint("cutoff", ecut: 10, a: a0), c12 = scanPoint("cutoff", ecut: 12, a: a0), c16 = scanPoint("cutoff", ecut: 16, a: a0)
        // nothing stored: the middle point first, the others wait for it
        #expect(store.next(in: [c16, c10, c12]) == 2)
        #expect(store.shouldWait(c16, running: [c12]) && !store.shouldWait(c16, running: []))
        store.add(c12, deformation: density(1), orbitals: StoredOrbitals(blocks: []))
        #expect(store.next(in: [c16, c10]) == 1)
        #expect(!store.shouldWait(c10, running: [c16]))
        // a mesh twice as dense waits for a running nearer one
        let k4 = scanPoint("kmesh", ecut: 12, a: a0, kmesh: 4), k6 = scanPoint("kmesh", ecut: 12, a: a0, kmesh: 6)
        #expect(store.shouldWait(k6, running: [k4]) && !store.shouldWait(k6, running: []))
        // the lattice line: one stored point and another running → wait; two → linear extrapolation
        let l1 = scanPoint("lattice", ecut: 12, a: a0 * 1.01), l2 = scanPoint("lattice", ecut: 12, a: a0 * 1.02)
        #expect(store.shouldWait(l2, running: [l1]))
        store.add(l1, deformation: density(2), orbitals: StoredOrbitals(blocks: []))
        #expect(!store.shouldWait(l2, running: [k4]))
        let start = store.start(for: l2)!
        #expect(start.from.id == l1.id && start.orbitals != nil)
        #expect(start.sources.count == 2)
        #expect(abs(start.sources[0].weight - 2) < 1e-9 && abs(start.sources[1].weight + 1) < 1e-9)
        #expect(abs(start.sources.map { $0.weight * $0.density.values[0] }.reduce(0, +) - 3) < 1e-9)
        // bounded: the oldest entry goes, orbitals only for the latest
        store.add(c16, deformation: density(4), orbitals: StoredOrbitals(blocks: []))
        store.add(c10, deformation: density(5), orbitals: StoredOrbitals(blocks: []))
        #expect(store.entries.count == 3 && store.entries[c12.key] == nil)
        #expect(store.entries.values.filter { $0.orbitals != nil }.map(\.point.key) == [c10.key])
        #expect(WarmStartStore.lagrangeWeights(nodes: [1, 2, 3], at: 4) == [1, -3, 3])
    }

    @Test func framesCarryHeaderAndBlobs() throws {
        let d = StoredDensity(grid: [2, 1, 1], volume: 3, values: [0.5, -0.25])
        let rec = PointRecord(id: "cutoff/x", stage: "cutoff", ecut_Ha: 10, kmesh: [2, 2, 2], kshift: [0, 0, 0],
                              lattice_constant_angstrom: 5.653, smearing: "none", smearing_width_Ha: 0, status: .converged,
                              free_energy_Ha: -8, volume_bohr3: 300, atoms: 2, wall_time_s: 1, ranks: 1, host: "h", finished_at: "t")
        let back = try PointResult(frame: PointResult(record: rec, deformation: d, orbitals: StoredOrbitals(blocks: [])).frame())
        #expect(back.record.id == rec.id && back.deformation?.values == d.values && back.orbitals?.blocks.isEmpty == true)
        let bare = try PointResult(frame: PointResult(record: rec, deformation: nil, orbitals: nil).frame())
        #expect(bare.deformation == nil && bare.orbitals == nil)
        let a = Assignment(point: scanPoint("lattice", ecut: 10, a: 10), warmFrom: "kmesh/y", weights: [2, -1], orbitals: false)
        let (h, blobs) = try Frame.decode(Assignment.self, try Frame.encode(a, blobs: [d.encoded(), d.encoded()]))
        let input = try #require(WarmStart(h, blobs: blobs))
        #expect(input.from == "kmesh/y" && input.sources.map(\.weight) == [2, -1] && input.orbitals == nil)
        #expect(throws: (any Error).self) { try Frame.decode(Assignment.self, Data([1, 2, 3])) }
    }
}
