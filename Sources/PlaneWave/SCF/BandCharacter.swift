import Foundation

/// Whether the occupied states of a calculation are separated from the empty ones by a gap, judged
/// on the eigenvalues of the k-points computed (spin-unpolarized: each band holds 2 electrons).
///
/// Definition: the system is **metallic** when its occupations stay fractional in the limit of zero
/// smearing width, i.e. beyond the smearing tails. For the computed eigenvalues ε_nk with N electrons,
/// n_occ = N/2, VBM = max_k ε_{n_occ,k} and CBM = min_k ε_{n_occ+1,k} (`BandGap.find`), that limit
/// fills the lowest states up to N electrons, and it is fractional exactly when
/// 1. N is odd: band (N+1)/2 is half filled at every k (no spin polarization here), or
/// 2. CBM ≤ VBM: bands n_occ and n_occ+1 overlap in energy, so the Fermi level crosses a band
///    (bcc Fe with GTH q16: band 9's minimum lies 3.0 eV below band 8's maximum).
/// Otherwise filling the n_occ lowest bands at every k holds exactly N electrons: the system is
/// **insulating** with gap CBM − VBM > 0, whatever the smearing does at finite width (a wide smearing on a
/// coarse mesh can put the Fermi level of a semiconductor above its CBM: those are tails, and they
/// vanish with the width). It is **unknown** when there is no band above the occupied ones. A coarse
/// mesh can miss a band crossing: the classification is of the sampled eigenvalues, as the gap is.
public enum BandCharacter: Sendable, Equatable {
    case insulating(BandGap)
    /// `reason`: which criterion, with numbers (eV), e.g. "bands 8 and 9 overlap by 3.016 eV".
    case metallic(reason: String)
    case unknown

    public var isMetallic: Bool { if case .metallic = self { true } else { false } }

    /// The gap of an insulator; nil for metals and when unknown.
    public var gap: BandGap? { if case let .insulating(g) = self { g } else { nil } }

    public var metallicReason: String? { if case let .metallic(r) = self { r } else { nil } }

    /// Classifies `eigenvalues` (Ha, per k-point, ascending) of `kpoints` (reduced) holding `electrons`.
    public static func classify(eigenvalues: [[Double]], kpoints: [SIMD3<Double>], electrons: Int) -> BandCharacter {
        if electrons % 2 == 1 {
            return .metallic(reason: "\(electrons) electrons (odd): band \((electrons + 1) / 2) is half filled")
        }
        guard let g = BandGap.find(eigenvalues: eigenvalues, kpoints: kpoints, electrons: electrons) else { return .unknown }
        let nocc = electrons / 2
        let eV = Units.hartreeInEV
        if g.gap <= 0 {
            return .metallic(reason: String(format: "bands %d and %d overlap by %.4g eV (the Fermi level crosses them)",
                                            nocc, nocc + 1, -g.gap * eV))
        }
        return .insulating(g)
    }
}

extension SCFResult {
    /// Metallic or insulating (`BandCharacter.classify` of the irreducible k-points' eigenvalues).
    /// Report `bandCharacter.gap`, not `gap`: `gap` is CBM − VBM even when ≤ 0. Spin-polarised
    /// states are not classified yet (`unknown`): the criterion above counts doubly occupied bands.
    public var bandCharacter: BandCharacter {
        guard spinChannels == 1 else { return .unknown }
        return BandCharacter.classify(eigenvalues: eigenvalues, kpoints: kpoints.map(\.reduced), electrons: electrons)
    }
}
