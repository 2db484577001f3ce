/// A term of the Kohn–Sham energy that depends on the density only:
/// it returns E[ρ] and its local potential V(r) = δE/δρ(r) on the FFT grid.
/// (Kinetic and non-local terms act on orbitals: see `Kinetic` and `NonlocalPseudopotential`.)
public protocol DensityTerm {
    /// The name ABINIT prints for the term, used in results (`hartree`, `xc`, `local_psp`).
    var name: String { get }
    func energyAndPotential(_ rho: [Double]) throws -> (energy: Double, potential: [Double])
    /// E[ρ] alone (for the energy of an output density; terms override it when that is cheaper).
    func energy(_ rho: [Double]) throws -> Double
}

extension DensityTerm {
    public func energy(_ rho: [Double]) throws -> Double { try energyAndPotential(rho).energy }
}
