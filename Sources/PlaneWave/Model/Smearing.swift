import Foundation

/// Occupation smearing of width σ (Ha). With x = (ε − μ)/σ each function gives the occupation
/// f(x) of a spin orbital and the entropy contribution s(x) = −∫_{−∞}^x t δ̃(t) dt (δ̃ = −f′),
/// so that the free energy is F = U − σ Σ s, i.e. −TS = −σ Σ_k w_k Σ_n 2 s(x_nk).
public enum Smearing: Sendable, Equatable, CustomStringConvertible {
    /// Integer occupations (insulators): the lowest N/2 bands doubly occupied.
    case none
    case fermiDirac(Double)
    case gaussian(Double)
    /// Marzari–Vanderbilt cold smearing.
    case marzariVanderbilt(Double)
    /// Methfessel–Paxton, first order.
    case methfesselPaxton(Double)

    public var width: Double {
        switch self {
        case .none: 0
        case .fermiDirac(let s), .gaussian(let s), .marzariVanderbilt(let s), .methfesselPaxton(let s): s
        }
    }

    /// The config's name of the smearing type ("fermi-dirac", …).
    public var name: String {
        switch self {
        case .none: "none"
        case .fermiDirac: "fermi-dirac"
        case .gaussian: "gaussian"
        case .marzariVanderbilt: "marzari-vanderbilt"
        case .methfesselPaxton: "methfessel-paxton"
        }
    }

    public var description: String { self == .none ? name : "\(name) \(width) Ha" }

    /// f(x) ∈ [0, 1] (per spin orbital; MP may leave [0,1] slightly).
    public func occupation(_ x: Double) -> Double {
        switch self {
        case .none: return x < 0 ? 1 : 0
        case .fermiDirac:
            if x > 40 { return 0 }
            if x < -40 { return 1 }
            return 1 / (1 + exp(x))
        case .gaussian:
            return erfc(x) / 2
        case .marzariVanderbilt:
            let y = x + 1 / 2.0.squareRoot()
            return erfc(y) / 2 + exp(-y * y) / (2 * Double.pi).squareRoot()
        case .methfesselPaxton:
            return erfc(x) / 2 - x * exp(-x * x) / (2 * Double.pi.squareRoot())
        }
    }

    /// s(x), the entropy per spin orbital in units of k_B (σ·s is its −TS contribution's magnitude).
    public func entropy(_ x: Double) -> Double {
        switch self {
        case .none: return 0
        case .fermiDirac:
            let f = occupation(x)
            var s = 0.0
            if f > 0 { s -= f * log(f) }
            if f < 1 { s -= (1 - f) * log(1 - f) }
            return s
        case .gaussian:
            return exp(-x * x) / (2 * Double.pi.squareRoot())
        case .marzariVanderbilt:
            let y = x + 1 / 2.0.squareRoot()
            return y * exp(-y * y) / (2 * Double.pi).squareRoot()
        case .methfesselPaxton:
            return -(2 * x * x - 1) * exp(-x * x) / (4 * Double.pi.squareRoot())
        }
    }
}
