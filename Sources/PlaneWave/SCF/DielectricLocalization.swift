import Foundation

/// The localisation function L(r) of an inhomogeneous screening model: ≈ 1 where there is
/// material, ≈ 0 in vacuum (Herbst & Levitt, J. Phys.: Condens. Matter 32, 205004 (2020), where L
/// is given with the geometry). Here it is read off the input density, so that no user input
/// describes where the vacuum is:
///
///     L(r) = 1 − exp(−ρ(r)/ρ_c),
///
/// with ρ_c (electrons/bohr³) well below a solid's valence density (its interstitial minimum
/// included) and well above the tail of the density a few bohr into vacuum. Contract: 0 ≤ L < 1,
/// monotonic in ρ; negative densities (Fourier ringing) count as vacuum.
public struct DielectricLocalization: Sendable, Equatable {
    /// ρ_c (electrons/bohr³).
    public let density: Double
    /// The default ρ_c (electrons/bohr³): L = 0.63 at 1e-3 electrons/bohr³, a thirtieth of bulk Si's
    /// mean valence density.
    public static let defaultDensity = 1e-3

    public init(density: Double = DielectricLocalization.defaultDensity) { self.density = density }

    /// L at each of the given density values (electrons/bohr³).
    public func values<C: Collection>(_ rho: C) -> [Double] where C.Element == Double {
        rho.map { 1 - exp(-max($0, 0) / density) }
    }
}
