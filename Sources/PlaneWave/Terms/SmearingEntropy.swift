/// The smearing entropy term −TS = −σ Σ_k w_k Σ_n 2 s((ε_nk − μ)/σ) of the occupations
/// (`Occupations.entropyTerm`; zero without smearing), which makes F = U − TS variational.
public final class SmearingEntropy: EnergyTerm {
    public let name = "minus_TS"
    public let dependence = EnergyTermDependence.occupations

    public init() {}

    public func energy(_ state: KohnShamState) -> Double { state.occupations?.entropyTerm ?? 0 }
    public func hamiltonianPart(density rho: [Double]) -> HamiltonianPart { .none }
}
