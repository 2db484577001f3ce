/// What the engine's terms need of one species' pseudopotential, analytic (`GTHPseudopotential`)
/// or tabulated (`NormConservingPseudopotential`), all in atomic units and reciprocal space:
/// the local part and its G = 0 limit, the separable non-local projectors with their couplings,
/// the model core charge of the non-linear core correction, and the atomic valence density (a
/// starting guess for the SCF density).
public protocol Pseudopotential: Sendable {
    var element: String { get }
    var name: String { get }
    /// Valence charge Z_ion.
    var zion: Int { get }
    /// ∫ V_loc(r) e^{−iq·r} d³r (Ha·bohr³) for q > 0.
    func localFourier(_ q: Double) -> Double
    /// ε = lim_{q→0} [V_loc(q) + 4πZ/q²]; Σ_atoms ε · N_electrons / Ω is the "psp core" energy.
    var localCoreTerm: Double { get }
    /// The projector channels: angular momentum and coupling matrix, one row and column per projector.
    var projectorChannels: [ProjectorChannel] { get }
    /// Radial transforms 4π ∫ r² j_l(qr) p_i(r) dr of projector i of channel `channel` (an index into
    /// `projectorChannels`) at every q, times `scale`: ⟨q|p_i Y_lm⟩ = (−i)^l Y_lm(q̂) · this.
    func projectorFourier(channel: Int, i: Int, q: [Double], scale: Double) -> [Double]
    /// d/dq of `localFourier` (q > 0), for the stress.
    func localFourierDerivative(_ q: Double) -> Double
    /// d/dq of `projectorFourier` at every q, times `scale`, for the stress.
    func projectorFourierDerivative(channel: Int, i: Int, q: [Double], scale: Double) -> [Double]
    /// d/dq of `coreChargeFourier` (q ≥ 0), for the stress.
    func coreChargeFourierDerivative(_ q: Double) -> Double
    /// True when the potential carries a model core charge (non-linear core correction).
    var hasCoreCharge: Bool { get }
    /// ∫ ρ_core(r) e^{−iq·r} d³r (electrons) at q ≥ 0; zero without a core charge.
    func coreChargeFourier(_ q: Double) -> Double
    /// True when the potential carries the valence density of its neutral pseudo-atom.
    var hasValenceDensity: Bool { get }
    /// ∫ ρ_val(r) e^{−iq·r} d³r (electrons) of the pseudo-atom at q ≥ 0, whose q = 0 value is the
    /// valence charge of the table (Z_ion up to its truncation); zero without a valence density.
    func valenceDensityFourier(_ q: Double) -> Double
}

/// One angular momentum channel of a separable non-local pseudopotential:
/// Σ_ij Σ_m |p_i Y_lm⟩ h_ij ⟨p_j Y_lm|.
public struct ProjectorChannel: Sendable, Equatable {
    public let l: Int
    /// Symmetric coupling matrix h_ij (Ha), one row per projector.
    public let h: [[Double]]
    public var count: Int { h.count }
    public init(l: Int, h: [[Double]]) { self.l = l; self.h = h }
}

extension Pseudopotential {
    /// Number of projector functions including m: Σ_l (2l+1)·n_l.
    public var projectorCount: Int { projectorChannels.reduce(0) { $0 + (2 * $1.l + 1) * $1.count } }

    /// f′(q) by the fourth-order central difference
    /// [8(f(q+h) − f(q−h)) − (f(q+2h) − f(q−2h))]/12h, h = 10⁻³ bohr⁻¹ (truncation error h⁴/30 · f⁽⁵⁾),
    /// for transforms given by a direct integral only (beyond the tables of
    /// `NormConservingPseudopotential`).
    func fourthOrderDerivative(at q: Double, _ f: (Double) -> Double) -> Double {
        let h = 1e-3
        return (8 * (f(q + h) - f(q - h)) - (f(q + 2 * h) - f(q - 2 * h))) / (12 * h)
    }
}

extension GTHPseudopotential: Pseudopotential {
    public var projectorChannels: [ProjectorChannel] { channels.map { ProjectorChannel(l: $0.l, h: $0.h) } }

    public func projectorFourier(channel: Int, i: Int, q: [Double], scale: Double) -> [Double] {
        projectorFourier(channel: channels[channel], i: i, q: q, scale: scale)
    }

    public func projectorFourierDerivative(channel: Int, i: Int, q: [Double], scale: Double) -> [Double] {
        projectorFourierDerivative(channel: channels[channel], i: i, q: q, scale: scale)
    }

    /// GTH potentials carry no core charge.
    public var hasCoreCharge: Bool { false }
    public func coreChargeFourier(_ q: Double) -> Double { 0 }
    public func coreChargeFourierDerivative(_ q: Double) -> Double { 0 }
    /// GTH tables carry no atomic valence density.
    public var hasValenceDensity: Bool { false }
    public func valenceDensityFourier(_ q: Double) -> Double { 0 }
}
