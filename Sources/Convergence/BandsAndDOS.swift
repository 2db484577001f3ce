import Foundation
import Input
import PlaneWave

/// Band structure, DOS and gap of the final point, computed non-self-consistently from its
/// converged density (`NonSelfConsistentBands`), as stored in `analysis.json` and written to
/// `bands.csv` and `dos.csv`. Energies are in ABINIT's convention (Ha) unless named otherwise.
/// Spin-polarised, the bands and the DOS are given per spin channel as well (one Fermi level).
public struct BandsAndDOS: Codable, Sendable, Equatable {
    public struct Bands: Codable, Sendable, Equatable {
        /// e.g. "Γ–X–W–K–Γ–L–U–W–L–K"
        public let path: String
        public let lattice: String
        public let kpoints_reduced: [[Double]]
        public let distance_inv_bohr: [Double]
        public let ticks: [SampledPath.Tick]
        public let run_starts: [Int]
        /// Per k-point, ascending (spin up when spin-polarised).
        public let eigenvalues_Ha: [[Double]]
        /// Spin down, per k-point, ascending; nil without spin polarisation.
        public var eigenvalues_down_Ha: [[Double]]? = nil
    }
    public struct DOS: Codable, Sendable, Equatable {
        public let kmesh: [Int]
        public let n_irreducible_k: Int
        public let broadening_eV: Double
        public let energies_Ha: [Double]
        /// States per eV per cell (both spins).
        public let dos_states_per_eV: [Double]
        /// Spin up and spin down states per eV per cell (their sum is `dos_states_per_eV`); nil
        /// without spin polarisation.
        public var dos_up_states_per_eV: [Double]? = nil
        public var dos_down_states_per_eV: [Double]? = nil
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
        let spins = model.spinChannels
        // spin-polarised, the majority channel holds up to N/2 + |μ|/2 electrons: as many bands as the SCF's
        let nocc = spins == 1 ? (model.electronCount + 1) / 2
            : (model.electronCount + Int(((model.magneticMoments ?? []).reduce(0) { $0 + abs($1) }).rounded(.up)) + 1) / 2
        let count = nocc + settings.empty_bands
        let path = HighSymmetryPath.standard(for: model.crystal)
        let sampled = path.sample(lattice: model.crystal.lattice, count: settings.band_points)
        let pathAll = try solver.eigenvalues(kpoints: sampled.kpoints, bands: count, tolerance: settings.band_tolerance,
                                             distribution: distribution([Double](repeating: 1, count: spins * sampled.kpoints.count)))
        let mesh = MonkhorstPack.kpoints(crystal: model.crystal, mesh: dosMesh, shift: kshift, useSymmetry: true, types: model.symmetryTypes)
        let meshAll = try solver.eigenvalues(kpoints: mesh.map(\.reduced), bands: count, tolerance: max(settings.band_tolerance, 1e-6),
                                             distribution: distribution([Double](repeating: 1, count: spins * mesh.count)))
        // spin-polarised: up for every k-point, then down
        let pathE = Array(pathAll.prefix(sampled.kpoints.count)), meshE = Array(meshAll.prefix(mesh.count))
        let pathDown = spins == 2 ? Array(pathAll.suffix(sampled.kpoints.count)) : nil
        let meshDown = spins == 2 ? Array(meshAll.suffix(mesh.count)) : nil
        let weights = mesh.map(\.weight)
        let occ = try Occupations.compute(eigenvalues: meshAll, weights: spins == 2 ? weights + weights : weights,
                                          electrons: model.electronCount, smearing: model.smearing, filled: model.filledOccupation)
        let sigma = settings.dos_broadening_eV * Units.electronVolt
        let all = (pathAll + meshAll).flatMap { $0 }
        let window = (all.min()! - 5 * sigma)...(all.max()! + 5 * sigma)
        let dos = DensityOfStates(eigenvalues: meshAll, weights: spins == 2 ? weights + weights : weights, sigma: sigma, step: sigma / 5,
                                  fermiLevel: occ.fermiLevel, window: window, occupancy: model.filledOccupation)
        let channelDOS = meshDown.map { down in
            [meshE, down].map { DensityOfStates(eigenvalues: $0, weights: weights, sigma: sigma, step: sigma / 5, fermiLevel: occ.fermiLevel,
                                                window: window, occupancy: 1) }
        }
        // the gap over every k-point computed (path and mesh)
        var gap: Gap? = nil
        // spin-polarised states are not classified (`SCFResult.bandCharacter`): no gap, metallic unknown
        let character = spins == 1 ? BandCharacter.classify(eigenvalues: pathE + meshE, kpoints: sampled.kpoints + mesh.map(\.reduced),
                                                            electrons: model.electronCount) : .unknown
        let metallic: Bool? = spins == 1 ? character.isMetallic : nil
        if let g = character.gap {
            func label(_ k: SIMD3<Double>) -> String? { path.points.first { norm($0.value - k) < 1e-9 }?.key }
            func name(_ k: SIMD3<Double>) -> String { label(k) ?? String(format: "(%.3f, %.3f, %.3f)", k.x, k.y, k.z) }
            let direct = norm(g.vbmK - g.cbmK) < 1e-9
            gap = Gap(gap_Ha: g.gap, gap_eV: g.gap * Units.hartreeInEV, vbm_Ha: g.vbm, cbm_Ha: g.cbm,
                      vbm_k: [g.vbmK.x, g.vbmK.y, g.vbmK.z], cbm_k: [g.cbmK.x, g.cbmK.y, g.cbmK.z],
                      vbm_label: label(g.vbmK), cbm_label: label(g.cbmK), direct: direct,
                      text: direct ? "direct at \(name(g.vbmK))" : "indirect: VBM at \(name(g.vbmK)), CBM at \(name(g.cbmK))")
        }
        var bands = Bands(path: path.description, lattice: path.lattice,
                          kpoints_reduced: sampled.kpoints.map { [$0.x, $0.y, $0.z] }, distance_inv_bohr: sampled.distance,
                          ticks: sampled.ticks, run_starts: sampled.runStarts, eigenvalues_Ha: pathE)
        bands.eigenvalues_down_Ha = pathDown
        var d = DOS(kmesh: dosMesh, n_irreducible_k: mesh.count, broadening_eV: settings.dos_broadening_eV, energies_Ha: dos.energies,
                    dos_states_per_eV: dos.dos.map { $0 / Units.hartreeInEV }, integrated_states: dos.integrated,
                    fermi_level_Ha: occ.fermiLevel)
        d.dos_up_states_per_eV = channelDOS?[0].dos.map { $0 / Units.hartreeInEV }
        d.dos_down_states_per_eV = channelDOS?[1].dos.map { $0 / Units.hartreeInEV }
        return BandsAndDOS(bands: bands, dos: d, gap: gap, metallic: metallic, electrons: model.electronCount,
                           reference_energy_Ha: gap?.vbm_Ha ?? occ.fermiLevel, seconds: Date().timeIntervalSince(start))
    }

    /// `bands.csv`: one row per k-point: index, path length (1/bohr), reduced k, label, then every band
    /// as E − E_ref in eV (E_ref = VBM, or the Fermi level of a metal); spin-polarised, the spin-up
    /// bands (`band1_up_eV`, …) then the spin-down ones.
    public var bandsCSV: String {
        let n = bands.eigenvalues_Ha.first?.count ?? 0
        let names: [String] = bands.eigenvalues_down_Ha == nil ? (0..<n).map { "band\($0 + 1)_eV" }
            : (0..<n).map { "band\($0 + 1)_up_eV" } + (0..<n).map { "band\($0 + 1)_down_eV" }
        var s = "k_index,distance_inv_bohr,k1,k2,k3,label," + names.joined(separator: ",") + "\n"
        let labels = Dictionary(bands.ticks.map { ($0.index, $0.label) }, uniquingKeysWith: { a, _ in a })
        for (i, e) in bands.eigenvalues_Ha.enumerated() {
            let k = bands.kpoints_reduced[i]
            s += "\(i),\(String(format: "%.8f", bands.distance_inv_bohr[i])),\(String(format: "%.6f", k[0])),\(String(format: "%.6f", k[1])),\(String(format: "%.6f", k[2])),"
            s += (labels[i] ?? "") + ","
            let row = e + (bands.eigenvalues_down_Ha?[i] ?? [])
            s += row.map { String(format: "%.6f", ($0 - reference_energy_Ha) * Units.hartreeInEV) }.joined(separator: ",") + "\n"
        }
        return s
    }

    /// `dos.csv`: energy (eV, ABINIT's convention), E − E_ref (eV), DOS (states/eV/cell), integrated
    /// states; spin-polarised, also the spin-up and spin-down DOS (states/eV/cell).
    public var dosCSV: String {
        let spin = dos.dos_up_states_per_eV != nil && dos.dos_down_states_per_eV != nil
        var s = "energy_eV,energy_minus_reference_eV,dos_states_per_eV,integrated_states"
            + (spin ? ",dos_up_states_per_eV,dos_down_states_per_eV" : "") + "\n"
        for i in dos.energies_Ha.indices {
            let e = dos.energies_Ha[i]
            s += String(format: "%.6f,%.6f,%.8f,%.8f", e * Units.hartreeInEV, (e - reference_energy_Ha) * Units.hartreeInEV,
                        dos.dos_states_per_eV[i], dos.integrated_states[i])
            if spin { s += String(format: ",%.8f,%.8f", dos.dos_up_states_per_eV![i], dos.dos_down_states_per_eV![i]) }
            s += "\n"
        }
        return s
    }
}
