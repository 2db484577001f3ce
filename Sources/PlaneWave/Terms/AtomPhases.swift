import Foundation
import Bindings
import Numerics

/// The structure-factor phases e^{−iG·τ_a} of every atom at the points G = Σ_d m_d b_d of a grid
/// (m centred Miller indices, |m_d| ≤ N_d; τ_a reduced), as products of per-axis factors
/// e^{−iG·τ_a} = Π_d e^{−2πi m_d τ_a,d}, each tabulated once per atom and axis: two complex products
/// per atom and point instead of a sine and a cosine.
struct AtomPhases {
    /// factors[d][a · width_d + m_d + N_d]
    private let factors: [[Complex64]]
    private let widths: [Int]
    private let offsets: SIMD3<Int32>

    init(atoms: [Atom], size: [Int]) {
        widths = size.map { 2 * $0 + 1 }
        offsets = SIMD3(Int32(size[0]), Int32(size[1]), Int32(size[2]))
        factors = (0..<3).map { d in
            atoms.flatMap { atom in
                (-size[d]...size[d]).map { m in
                    let x = -2 * Double.pi * Double(m) * atom.position[d]
                    return Complex64(cos(x), sin(x))
                }
            }
        }
    }

    /// e^{−iG·τ_a} at Miller indices m.
    @inline(__always) func callAsFunction(_ a: Int, _ m: SIMD3<Int32>) -> Complex64 {
        let i = m &+ offsets
        return factors[0][a * widths[0] + Int(i.x)] * factors[1][a * widths[1] + Int(i.y)] * factors[2][a * widths[2] + Int(i.z)]
    }
}

/// A superposition of atom-centred functions f(r) = Σ_a c_a g_{s(a)}(|r − τ_a|) on `grid`, from the
/// radial Fourier transforms ĝ_s(q) = `radial(pseudopotential of s, q)`:
/// f_G = (1/Ω) Σ_a c_a ĝ_{s(a)}(|G|) e^{−iG·τ_a} (`AtomPhases`), with ĝ evaluated once per species
/// and shell of equal |G| (to 1e-12 bohr⁻¹). c_a = 1 when `coefficients` is nil; f_0 = 0 when
/// `skippingOrigin` (a radial transform singular at q = 0).
func atomicSuperposition(grid: FourierGrid, coefficients: [Double]? = nil, skippingOrigin: Bool = false,
                         radial: (any Pseudopotential, Double) -> Double) -> [Double] {
    let model = grid.basis.model
    let atoms = model.crystal.atoms
    let species = Array(Set(atoms.map(\.species))).sorted()
    let potentials = species.map { model.pseudopotentials[$0]! }
    let atomSpecies = atoms.map { a in species.firstIndex(of: a.species)! }
    let phases = AtomPhases(atoms: atoms, size: grid.size)
    let scale = 1 / grid.basis.volume
    var values = [Double](repeating: 0, count: species.count)
    var shells: [Int64: [Double]] = [:]
    var fG = [Complex64](repeating: .zero, count: grid.count)
    grid.forEachPoint { i, m, g2 in
        if skippingOrigin && g2 == 0 { return }
        let q = g2.squareRoot()
        let key = Int64((q * 1e12).rounded())
        if let known = shells[key] {
            values = known
        } else {
            for s in species.indices { values[s] = radial(potentials[s], q) }
            shells[key] = values
        }
        var v = Complex64.zero
        for a in atoms.indices {
            let r = values[atomSpecies[a]] * (coefficients?[a] ?? 1)
            if r != 0 { v += phases(a, m) * r }
        }
        fG[i] = v * scale
    }
    return grid.real(fG)
}
