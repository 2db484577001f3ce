/// Fixtures shared by the unit-test targets: the repository's configs, synthetic journal records.
import Foundation
import PlaneWave
import Input
import Convergence

/// The repository's `config/` directory (found from this file's path; no package resources).
public let configDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("config")

/// A fresh temporary directory, removed by the caller.
public func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("workflow-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

public let gaasA = 5.653 * 1.8897261246257702  // bohr

public func approx(_ a: SIMD3<Double>, _ b: SIMD3<Double>, _ tol: Double = 1e-10) -> Bool {
    norm(a - b) < tol
}

public func preset(_ name: String, _ overrides: [String] = []) throws -> ScanConfig {
    try ScanConfig.load(path: configDirectory.appendingPathComponent(name).path, overrides: overrides)
}

public func record(_ id: String, _ f: Double?, status: PointRecord.Status = .converged, atoms: Int = 2,
            finished: String = "2026-01-01T00:00:00Z") -> PointRecord {
    PointRecord(id: id, stage: String(id.prefix { $0 != "/" }), ecut_Ha: 10, kmesh: [2, 2, 2], kshift: [0, 0, 0],
                lattice_constant_angstrom: 5.653, smearing: "none", smearing_width_Ha: 0, status: status,
                free_energy_Ha: f, volume_bohr3: 300, atoms: atoms, wall_time_s: 1, ranks: 1, host: "h", finished_at: finished)
}

/// A synthetic record (2 atoms) with F in Ha.
public func record(stage: String, ecut: Double = 25, kmesh: [Int] = [4, 4, 4], a: Double = 5.653, f: Double?,
            status: PointRecord.Status = .converged, gap: Double? = nil, sigma: Double = 0.01, wall: Double = 1,
            error: String? = nil) -> PointRecord {
    let ab = a * Units.angstrom
    return PointRecord(id: "\(stage)/ecut=\(ecut)Ha,k=\(kmesh.map(String.init).joined(separator: "x")),a=\(a)Å",
                       stage: stage, ecut_Ha: ecut, kmesh: kmesh, kshift: [0, 0, 0], lattice_constant_angstrom: a,
                       smearing: "fermi-dirac", smearing_width_Ha: sigma, status: status, free_energy_Ha: f,
                       internal_energy_Ha: f, free_energy_per_atom_eV: f.map { $0 / 2 * Units.hartreeInEV },
                       fermi_level_Ha: f == nil ? nil : 0.2, gap_Ha: gap, volume_bohr3: ab * ab * ab / 4, atoms: 2,
                       n_irreducible_k: 8, scf_iterations: f == nil ? nil : 10, wall_time_s: wall, ranks: 1, host: "test",
                       error: error, finished_at: "2026-01-01T00:00:00Z")
}

/// meV/atom → Ha per cell of 2 atoms.
public func meV(_ x: Double) -> Double { x * 1e-3 * Units.electronVolt * 2 }

/// GaAs PBE free energies F (ABINIT `etotal`, Ha) on a = 5.50…5.80 Å, computed for this test with
/// ABINIT 9.6.2 (Debian package, libxc 5.2.3) on the same GTH pseudopotentials (pspcod 10 files
/// of CP2K's GTH-PBE-q3 for Ga and GTH-PBE-q5 for As, the parameters of the shipped tables):
///
///     acell 3*<a/0.529177210903>   rprim 0 .5 .5  .5 0 .5  .5 .5 0   xred 0 0 0  .25 .25 .25
///     ixc 11  ecut 25  kptopt 1  ngkpt 6 6 6  nshiftk 1  shiftk 0 0 0
///     occopt 3  tsmear 0.01  nband 10  toldfe 1e-10
///
/// (FFT grid 36×36×36 and 16 irreducible k-points at every a, as the engine's.)
public let abinitGaAsEOS: [(a: Double, f: Double)] = [
    (5.50, -8.53569965069849),
    (5.55, -8.53799647957205),
    (5.60, -8.53968897143386),
    (5.65, -8.54082884001313),
    (5.70, -8.54146807666183),
    (5.75, -8.54165005745443),
    (5.80, -8.54141625394565),
]

/// A GaAs PBE point config (ecut 25 Ha, 4×4×4).
public let gaasYAML = """
name: gaas-report-test
structure:
  lattice: {bravais: fcc, a: 5.653 Å}
  atoms: [{species: Ga, position: [0, 0, 0]}, {species: As, position: [0.25, 0.25, 0.25]}]
pseudopotentials: {family: GTH-PBE, valence: {Ga: 3, As: 5}}
functional: PBE
smearing: {type: fermi-dirac, width: 0.01 Ha}
basis: {ecut: 25 Ha, kmesh: 4x4x4}
"""
