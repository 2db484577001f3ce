import Bindings

/// A term of the Kohn–Sham free energy that depends on the atomic positions τ_a explicitly, and
/// its part of the force F_a = −dF/dτ_a (Ha/bohr, Cartesian) at self-consistency.
///
/// Contract: at a self-consistent state F is stationary in ρ, ψ_nk and f_nk (the Mermin
/// functional with smearing), so dF/dτ_a is the sum of the explicit derivatives ∂E_t/∂τ_a of the
/// terms, with the state held fixed (Hellmann–Feynman; R. M. Martin, *Electronic Structure*,
/// sec. 3.3 and app. I). Kinetic, Hartree, XC without core charge and the entropy have none;
/// `psp_core` depends on the cell only. A `.orbitals` term returns the contribution of the orbitals
/// in `ForceState.orbitals` (this process' k-points and bands), summed over processes by the
/// caller (`KohnShamTerms.forces`); the others return the whole force on every process. No term
/// symmetrises: the sum over the irreducible k-points is symmetrised once (`ForceSymmetrization`).
public protocol AtomicForceTerm: EnergyTerm {
    /// −∂E_t/∂τ_a for every atom of the crystal, in its order.
    func forces(_ state: ForceState) throws -> [SIMD3<Double>]
}

/// The self-consistent state the forces are evaluated on.
public struct ForceState {
    /// ρ(r) on the density grid (electrons/bohr³), symmetrised.
    public var density: [Double]
    /// Orbitals (plane waves × bands) of this process' k-points, by k-point index.
    public var orbitals: [Int: ComplexMatrix]
    /// f_nk of every irreducible k-point (including the spin factor, as in the density).
    public var occupations: [[Double]]
    /// The plane-wave bases of every irreducible k-point (their weights w_k).
    public var kpoints: [KBasis]
    /// Whether this process adds band n to the orbital sums (the band split of a k-point pool).
    public var ownsBand: (Int) -> Bool
    /// How the sums over the density grid are split between the processes, which all hold ρ.
    public var share: ProcessShare
    /// This process' slab of the density grid when the SCF evaluated the density terms on slabs
    /// (`SlabDensityTerm`): those terms' grid work may go there too, over the same processes as `share`.
    public var slab: GridSlab? = nil

    public init(density: [Double], orbitals: [Int: ComplexMatrix] = [:], occupations: [[Double]] = [],
                kpoints: [KBasis] = [], ownsBand: @escaping (Int) -> Bool = { _ in true },
                share: ProcessShare = .whole) {
        self.density = density; self.orbitals = orbitals; self.occupations = occupations
        self.kpoints = kpoints; self.ownsBand = ownsBand; self.share = share
    }
}

/// A sum over the points of a grid that every process holds, split between `count` processes:
/// process `index` adds the points of its contiguous range (`range(of:)`), and `complete` adds the
/// parts of every process element-wise (collective: every process calls it at the same place).
/// `.whole` is one process doing all of it.
public struct ProcessShare {
    public var index: Int
    public var count: Int
    public var complete: (inout [Double]) throws -> Void

    public init(index: Int, count: Int, complete: @escaping (inout [Double]) throws -> Void) {
        precondition(count >= 1 && (0..<count).contains(index), "process \(index) of \(count)")
        self.index = index; self.count = count; self.complete = complete
    }

    public static var whole: ProcessShare { ProcessShare(index: 0, count: 1) { _ in } }

    /// This process' points of a grid of n points: [index·n/count, (index + 1)·n/count).
    public func range(of n: Int) -> Range<Int> { index * n / count..<(index + 1) * n / count }
}
