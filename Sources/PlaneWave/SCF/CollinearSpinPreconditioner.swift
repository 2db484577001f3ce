/// The preconditioner of a collinear spin-polarised residual (Δρ, Δm), the total density's and the
/// magnetisation's one after the other: P(Δρ, Δm) = (P_ρ Δρ, s Δm), the density's own preconditioner
/// (Kerker, screening the Hartree response, which m does not have) and a constant factor s for m.
///
/// The ideal step is the inverse of the SCF map's Jacobian, (1 − χ₀K)⁻¹ (DFTK's mixing interface).
/// For the magnetisation of a homogeneous metal, K = I is the Stoner exchange kernel and
/// χ₀ = −N(ε_F) the Pauli response, so the ideal factor is 1/(1 − I N(ε_F)) relative to a step of 1:
/// the spin response is enhanced, not screened, and larger steps than for ρ fit it (Stoner, Proc. R.
/// Soc. A 165, 372 (1938); the magnetisation mixing of Kresse & Furthmüller, Comput. Mater. Sci. 6,
/// 15 (1996), four times the density's). The accelerator's metric sees m weighted by s² as well.
/// s is a constant, not the system's enhancement, ½ by default (`SCFParameters`): s > 1 shortens
/// the SCF of a strong ferromagnet (bcc Fe), but it can carry a weak one (fcc Ni, 0.5–0.8 μB) to its
/// non-magnetic fixed point, which the accelerator converges to as readily as to the magnetic one;
/// a smaller step on m keeps the moment long enough for the magnetic state to be found.
public struct CollinearSpinPreconditioner: MixingPreconditioner {
    /// P_ρ of the total density.
    public let charge: MixingPreconditioner
    /// s.
    public let magnetizationFactor: Double
    /// Grid points of one channel.
    public let points: Int

    public init(charge: MixingPreconditioner, magnetizationFactor: Double, points: Int) {
        self.charge = charge; self.magnetizationFactor = magnetizationFactor; self.points = points
    }

    public func precondition(_ residual: inout [Double]) {
        apply(&residual) { charge.precondition(&$0) }
    }

    /// The density's preconditioner sees the total density of (ρ, m).
    public func precondition(_ residual: inout [Double], density: [Double]) {
        apply(&residual) { charge.precondition(&$0, density: Array(density[0..<points])) }
    }

    private func apply(_ residual: inout [Double], charge preconditionCharge: (inout [Double]) -> Void) {
        Swift.precondition(residual.count == 2 * points, "a residual (Δρ, Δm) of two channels")
        var total = Array(residual[0..<points])
        preconditionCharge(&total)
        residual.replaceSubrange(0..<points, with: total)
        for i in points..<(2 * points) { residual[i] *= magnetizationFactor }
    }
}
