import Foundation
import Input
import PlaneWave

/// Band structure, DOS and gap of the final point, computed non-self-consistently from its
/// converged density (`NonSelfConsistentBands`), as stored in `analysis.json` and written to
/// `bands.csv` and `dos.csv`. Energies are in ABINIT's convention (Ha) unless named otherwise.
public struct BandsAndDOS: Codable, Sendable, Equatable {
    public struct Bands: Codable, Sendable, Equatable {
        /// e.g. "Γ–X–W–K–Γ–L–U–W–L–K"
        public let path: String
        public let lattice: String
        public let kpoints_reduced: [[Double]]
        public let distance_inv_bohr: [Double]
        public let ticks: [SampledPath.Tick]
        public let run_starts: [Int]
        /// Per k-point, ascending.
        public let eigenvalues_Ha: [[Double]]
    }
    public struct DOS: Codable, Sendable, Equatable {
        public let kmesh: [Int]
        public let n_irreducible_k: Int
        public let broadening_eV: Double
        public let energies_Ha: [Double]
        /// States per eV per cell (both spins).
        public let dos_states_per_eV: [Double]
        /// States per cell below each energy.
        public let integrated_states: [Double]
        public let fermi_level_Ha: Double
    }
    public struct Gap: Codable, Sendable, Equatable {
        public let gap_Ha: Double
        public let gap_eV: Double
        public let vbm_Ha: Double
        public let cbm_Ha: Double
        public let vbm_k: [Double]
        public let cbm_k: [Double]
        public let vbm_label: String?
        public let cbm_label: String?
        public let direct: Bool
        /// "direct at Γ", "indirect: VBM at Γ, CBM at X".
        public let text: String
    }
    public let bands: Bands
    public let dos: DOS
    /// nil for metals and odd electron counts.
    public let gap: Gap?
    /// Bands cross the Fermi level (`BandCharacter` of the path's and the mesh's eigenvalues together);
    /// nil in files written before it.
    public let metallic: Bool?
    public let electrons: Int
    /// VBM (insulators) or Fermi level (metals): the zero of the plots and CSV files (Ha).
    public let reference_energy_Ha: Double
    public let seconds: Double

    /// Computes the bands along the standard path of the lattice and the DOS on `dosMesh`.
    /// `distribution` shares the k-points of each calculation over processes (given the k-point costs).
    public static func compute(model: Model, ecut: Double, fftGrid: [Int], xcGrid: [Int]? = nil, density: [Double], dosMesh: [Int], kshift: [Int] = [0, 0, 0],
                               settings: AnalysisSettings,
                               distribution: ([Double]) throws -> KPointDistribution = { _ in SerialKPoints() }) throws -> BandsAndDOS {
        let start = Date()
        let solver = try NonSelfConsistentBands(model: model, ecut: ecut, fftSize: fftGrid, xcGrid: xcGrid, density: density)
        let nocc = (model.electronCount + 1) / 2
        let count = nocc + settings.empty_bands
        let path = HighSymmetryPath.standard(for: model.crystal)
        let sampled = path.sample(lattice: model.crystal.lattice, count: settings.band_points)
        let pathE = try solver.eigenvalues(kpoints: sampled.kpoints, bands: count, tolerance: settings.band_tolerance,
                                           distribution: distribution([Double](repeating: 1, count: sampled.kpoints.count)))
        let mesh = MonkhorstPack.kpoints(crystal: model.crystal, mesh: dosMesh, shift: kshift, useSymmetry: true)
        let meshE = try solver.eigenvalues(kpoints: mesh.map(\.reduced), bands: count, tolerance: max(settings.band_tolerance, 1e-6),
                                           distribution: distribution([Double](repeating: 1, count: mesh.count)))
        let weights = mesh.map(\.weight)
        let occ = try Occupations.compute(eigenvalues: meshE, weights: weights, electrons: model.electronCount, smearing: model.smearing)
        let sigma = settings.dos_broadening_eV * Units.electronVolt
        let all = (pathE + meshE).flatMap { $0 }
        let dos = DensityOfStates(eigenvalues: meshE, weights: weights, sigma: sigma, step: sigma / 5, fermiLevel: occ.fermiLevel,
                                  window: (all.min()! - 5 * sigma)...(all.max()! + 5 * sigma))
        // the gap over every k-point computed (path and mesh)
        var gap: Gap? = nil
        let character = BandCharacter.classify(eigenvalues: pathE + meshE, kpoints: sampled.kpoints + mesh.map(\.reduced),
                                               electrons: model.electronCount)
        let metallic = character.isMetallic
        if let g = character.gap {
            func label(_ k: SIMD3<Double>) -> String? { path.points.first { norm($0.value - k) < 1e-9 }?.key }
            func name(_ k: SIMD3<Double>) -> String { label(k) ?? String(format: "(%.3f, %.3f, %.3f)", k.x, k.y, k.z) }
            let direct = norm(g.vbmK - g.cbmK) < 1e-9
            gap = Gap(gap_Ha: g.gap, gap_eV: g.gap * Units.hartreeInEV, vbm_Ha: g.vbm, cbm_Ha: g.cbm,
                      vbm_k: [g.vbmK.x, g.vbmK.y, g.vbmK.z], cbm_k: [g.cbmK.x, g.cbmK.y, g.cbmK.z],
                      vbm_label: label(g.vbmK), cbm_label: label(g.cbmK), direct: direct,
                      text: direct ? "direct at \(name(g.vbmK))" : "indirect: VBM at \(name(g.vbmK)), CBM at \(name(g.cbmK))")
        }
        let bands = Bands(path: path.description, lattice: path.lattice,
                          kpoints_reduced: sampled.kpoints.map { [$0.x, $0.y, $0.z] }, distance_inv_bohr: sampled.distance,
                          ticks: sampled.ticks, run_starts: sampled.runStarts, eigenvalues_Ha: pathE)
        let d = DOS(kmesh: dosMesh, n_irreducible_k: mesh.count, broadening_eV: settings.dos_broadening_eV, energies_Ha: dos.energies,
                    dos_states_per_eV: dos.dos.map { $0 / Units.hartreeInEV }, integrated_states: dos.integrated,
                    fermi_level_Ha: occ.fermiLevel)
        return BandsAndDOS(bands: bands, dos: d, gap: gap, metallic: metallic, electrons: model.electronCount,
                           reference_energy_Ha: gap?.vbm_Ha ?? occ.fermiLevel, seconds: Date().timeIntervalSince(start))
    }

    /// `bands.csv`: one row per k-point: index, path length (1/bohr), reduced k, label, then every band
    /// as E − E_ref in eV (E_ref = VBM, or the Fermi level of a metal).
    public var bandsCSV: String {
        let n = bands.eigenvalues_Ha.first?.count ?? 0
        var s = "k_index,distance_inv_bohr,k1,k2,k3,label," + (1...max(n, 1)).prefix(n).map { "band\($0)_eV" }.joined(separator: ",") + "\n"
        let labels = Dictionary(bands.ticks.map { ($0.index, $0.label) }, uniquingKeysWith: { a, _ in a })
        for (i, e) in bands.eigenvalues_Ha.enumerated() {
            let k = bands.kpoints_reduced[i]
            s += "\(i),\(String(format: "%.8f", bands.distance_inv_bohr[i])),\(String(format: "%.6f", k[0])),\(String(format: "%.6f", k[1])),\(String(format: "%.6f", k[2])),"
            s += (labels[i] ?? "") + ","
            s += e.map { String(format: "%.6f", ($0 - reference_energy_Ha) * Units.hartreeInEV) }.joined(separator: ",") + "\n"
        }
        return s
    }

    /// `dos.csv`: energy (eV, ABINIT's convention), E − E_ref (eV), DOS (states/eV/cell), integrated states.
    public var dosCSV: String {
        var s = "energy_eV,energy_minus_reference_eV,dos_states_per_eV,integrated_states\n"
        for i in dos.energies_Ha.indices {
            let e = dos.energies_Ha[i]
            s += String(format: "%.6f,%.6f,%.8f,%.8f\n", e * Units.hartreeInEV, (e - reference_energy_Ha) * Units.hartreeInEV,
                        dos.dos_states_per_eV[i], dos.integrated_states[i])
        }
        return s
    }
}
