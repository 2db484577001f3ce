import Bindings
import Foundation

/// Occupations from eigenvalues: f_nk = f₀ f((ε_nk − μ)/σ), with μ found by bisection so that
/// Σ_k w_k Σ_n f_nk = N_el; for `Smearing.none` the lowest N_el/2 bands of every k are filled.
/// f₀ = 2 without spin polarisation; with it f₀ = 1 and the k-points run over both spin channels
/// (`PlaneWaveBasis.kpoints`), so that one Fermi level is shared by the two channels.
///
/// With a fixed total magnetisation M (μB per cell) each spin channel σ has its own Fermi level μ_σ,
/// found so that channel σ holds N_σ = (N_el ± M)/2 electrons (+ for up): ABINIT's `occopt 3` with
/// `spinmagntarget`, the constrained minimum of F at that moment (no Zeeman term in F).
public struct Occupations: Sendable {
    /// Occupation (0…f₀) per k-point per band.
    public let values: [[Double]]
    /// The Fermi level (Ha); with a fixed magnetisation the mean of the two channels' `fermiLevels`.
    public let fermiLevel: Double
    /// The Fermi level of each spin channel (Ha): one entry without spin polarisation, two (up,
    /// down; equal unless the magnetisation is fixed) with it.
    public let fermiLevels: [Double]
    /// −T·S (Ha).
    public let entropyTerm: Double

    /// `spins` gives the spin channel of each k-point (nil: all 0); `magnetization` fixes M (μB per
    /// cell, spin-polarised only: needs `spins` and `filled` = 1).
    public static func compute(eigenvalues: [[Double]], weights: [Double], electrons: Int, smearing: Smearing,
                               filled: Double = 2, spins: [Int]? = nil, magnetization: Double? = nil) throws -> Occupations {
        let nel = Double(electrons)
        if case .none = smearing {
            precondition(filled == 2, "fixed occupations are for spin-unpolarised calculations")
            guard electrons % 2 == 0 else {
                throw InputError("smearing", "\(electrons) electrons cannot fill bands pairwise; use a smearing")
            }
            let nocc = electrons / 2
            guard eigenvalues.allSatisfy({ $0.count >= nocc }) else {
                throw InputError("bands", "fewer bands than the \(nocc) occupied states")
            }
            let occ = eigenvalues.map { e in e.indices.map { $0 < nocc ? 2.0 : 0.0 } }
            let homo = eigenvalues.map { $0[nocc - 1] }.max() ?? 0
            return Occupations(values: occ, fermiLevel: homo, fermiLevels: [homo], entropyTerm: 0)
        }
        let channels = (spins?.max() ?? 0) + 1
        if let m = magnetization {
            precondition(filled == 1 && spins != nil, "a fixed magnetisation needs the k-points of both spin channels")
            // one Fermi level per channel, each holding (N ± M)/2 electrons
            var values = [[Double]](repeating: [], count: eigenvalues.count)
            var levels: [Double] = [], entropy = 0.0
            for s in 0..<2 {
                let ks = eigenvalues.indices.filter { spins![$0] == s }
                let target = (nel + (s == 0 ? m : -m)) / 2
                let part = try fill(eigenvalues: ks.map { eigenvalues[$0] }, weights: ks.map { weights[$0] }, electrons: target,
                                    smearing: smearing, filled: filled,
                                    what: "\(target) spin-\(s == 0 ? "up" : "down") electrons (total magnetisation \(m) μB)")
                for (i, k) in ks.enumerated() { values[k] = part.values[i] }
                levels.append(part.mu)
                entropy += part.entropy
            }
            return Occupations(values: values, fermiLevel: (levels[0] + levels[1]) / 2, fermiLevels: levels, entropyTerm: entropy)
        }
        let part = try fill(eigenvalues: eigenvalues, weights: weights, electrons: nel, smearing: smearing, filled: filled,
                            what: "\(electrons) electrons")
        return Occupations(values: part.values, fermiLevel: part.mu, fermiLevels: [Double](repeating: part.mu, count: channels),
                           entropyTerm: part.entropy)
    }

    /// The smeared occupations of `eigenvalues` holding `electrons` (bisection on μ): the values, μ and −TS.
    static func fill(eigenvalues: [[Double]], weights: [Double], electrons nel: Double, smearing: Smearing, filled: Double,
                     what: String) throws -> (values: [[Double]], mu: Double, entropy: Double) {
        let sigma = smearing.width
        let all = eigenvalues.flatMap { $0 }
        guard let lo0 = all.min(), let hi0 = all.max() else { throw InputError("bands", "no eigenvalues") }
        let capacity = filled * weights.enumerated().reduce(0.0) { $0 + $1.element * Double(eigenvalues[$1.offset].count) }
        guard capacity >= nel - 1e-9 else { throw InputError("bands", "too few bands for \(what)") }
        func count(_ mu: Double) -> Double {
            var s = 0.0
            for (k, e) in eigenvalues.enumerated() {
                var sk = 0.0
                for x in e { sk += smearing.occupation((x - mu) / sigma) }
                s += weights[k] * filled * sk
            }
            return s
        }
        var lo = lo0 - 20 * sigma - 1, hi = hi0 + 20 * sigma + 1
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if count(mid) < nel { lo = mid } else { hi = mid }
            if hi - lo < 1e-15 { break }
        }
        let mu = (lo + hi) / 2
        var entropy = 0.0
        let occ = eigenvalues.enumerated().map { (k, e) -> [Double] in
            e.map { x in
                let t = (x - mu) / sigma
                entropy += weights[k] * filled * smearing.entropy(t)
                return filled * smearing.occupation(t)
            }
        }
        return (occ, mu, -sigma * entropy)
    }
}

/// Band gap from eigenvalues on the k-mesh: VBM = max_k ε_{N/2}, CBM = min_k ε_{N/2+1}.
public struct BandGap: Sendable, Codable, Equatable {
    public let gap: Double
    public let vbm: Double
    public let cbm: Double
    public let vbmK: SIMD3<Double>
    public let cbmK: SIMD3<Double>
    public var direct: Bool { vbmK == cbmK }

    /// nil if the electron count is odd or there is no band above the occupied ones.
    public static func find(eigenvalues: [[Double]], kpoints: [SIMD3<Double>], electrons: Int) -> BandGap? {
        guard electrons % 2 == 0 else { return nil }
        let nocc = electrons / 2
        guard nocc > 0, eigenvalues.allSatisfy({ $0.count > nocc }) else { return nil }
        var vbm = -Double.infinity, cbm = Double.infinity, kv = 0, kc = 0
        for (k, e) in eigenvalues.enumerated() {
            if e[nocc - 1] > vbm { vbm = e[nocc - 1]; kv = k }
            if e[nocc] < cbm { cbm = e[nocc]; kc = k }
        }
        return BandGap(gap: cbm - vbm, vbm: vbm, cbm: cbm, vbmK: kpoints[kv], cbmK: kpoints[kc])
    }
}
