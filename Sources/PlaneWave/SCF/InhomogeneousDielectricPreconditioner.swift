import Bindings
import Numerics

/// The mixing preconditioner P = ε⁻¹ of an inhomogeneous model dielectric operator, "hybrid"
/// mixing of Herbst & Levitt (J. Phys.: Condens. Matter 32, 205004 (2020), as DFTK's `HybridMixing`
/// without its LDOS term): the independent-particle susceptibility is modelled as the homogeneous
/// screening of `KerkerPreconditioner` confined to the material by a localisation function L(r)
/// (`DielectricLocalization`, from the step's input density),
///
///     χ₀ = √L K √L,   K(G) = (1 − ε_r) q₀² G² / (4π (q₀² + ε_r G²)),
///
/// (the homogeneous model's χ₀, 1 − ε(G) = K(G) 4π/G² with ε(G)⁻¹ = (G² + q₀²/ε_r)/(G² + q₀²) of
/// `KerkerPreconditioner`, a simplified Resta model; DFTK's has ε_r − 1 for ε_r in the denominator;
/// ε_r = ∞ gives K = −q₀²/4π, Thomas–Fermi/Kerker screening; K(0) = 0, a constant potential moves
/// no charge), and ε = 1 − χ₀ v_H with v_H(G) = 4π/G² (RPA, no XC kernel). The residual's G = 0
/// part (the charge) is passed on unchanged, as in DFTK; the rest, f, is solved from ε δρ = f by
/// `GMRES` to a relative residual of `solverTolerance`. With L ≡ 1 this is the homogeneous model
/// exactly, P(G) = (G² + q₀²/ε_r)/(G² + q₀²) for G ≠ 0; in a slab the layers of vacuum are
/// not screened, so the long waves along the normal, which a homogeneous model damps by ε_r, are
/// passed with the slab's true, much smaller, macroscopic screening.
///
/// It acts on one density and its residual (spin-polarised, the total ones, inside
/// `CollinearSpinPreconditioner`). Without a density, L ≡ 1.
public struct InhomogeneousDielectricPreconditioner: MixingPreconditioner {
    /// q₀ (bohr⁻¹).
    public let wavevector: Double
    /// ε_r inside the material; nil: ∞ (a metal: Thomas–Fermi screening).
    public let dielectricConstant: Double?
    public let localization: DielectricLocalization
    /// The GMRES relative residual of the solve of ε δρ = f.
    public let solverTolerance: Double
    public let maxSolverIterations: Int
    let grid: FourierGrid

    public init(grid: FourierGrid, wavevector: Double, dielectricConstant: Double?, localization: DielectricLocalization,
                solverTolerance: Double = 1e-3, maxSolverIterations: Int = 40) {
        self.grid = grid; self.wavevector = wavevector; self.dielectricConstant = dielectricConstant
        self.localization = localization; self.solverTolerance = solverTolerance; self.maxSolverIterations = maxSolverIterations
    }

    /// K(G) at |G|² = `g2` (electrons/(Ha bohr³) per unit potential: χ₀ of the homogeneous model).
    public func susceptibility(_ g2: Double) -> Double {
        guard g2 > 0 else { return 0 }
        let q2 = wavevector * wavevector
        guard let epsilon = dielectricConstant else { return -q2 / (4 * .pi) }
        return (1 - epsilon) * q2 * g2 / (4 * .pi * (q2 + epsilon * g2))
    }

    public func precondition(_ residual: inout [Double]) {
        precondition(&residual, density: [Double](repeating: .infinity, count: grid.count))
    }

    public func precondition(_ residual: inout [Double], density: [Double]) {
        let n = grid.count
        let sqrtL = localization.values(density[0..<n]).map { $0.squareRoot() }
        var f = residual
        let charge = f.reduce(0, +) / Double(n)
        for i in 0..<n { f[i] -= charge }
        var solution = solver.solve(f) { applyDielectric($0, sqrtL: sqrtL) }.x
        for i in 0..<n { solution[i] += charge }
        residual = solution
    }

    var solver: GMRES { GMRES(relativeTolerance: solverTolerance, maxIterations: maxSolverIterations) }

    /// ε δρ = δρ − √L K √L v_H δρ, without its G = 0 part.
    func applyDielectric(_ rho: [Double], sqrtL: [Double]) -> [Double] {
        let n = grid.count
        var fG = grid.fourier(rho)
        grid.forEachPoint { i, _, g2 in fG[i] = g2 > 0 ? fG[i] * (4 * .pi / g2) : .zero }
        var u = grid.real(fG)
        for i in 0..<n { u[i] *= sqrtL[i] }
        var uG = grid.fourier(u)
        grid.forEachPoint { i, _, g2 in uG[i] = uG[i] * susceptibility(g2) }
        let w = grid.real(uG)
        var out = rho
        for i in 0..<n { out[i] -= sqrtL[i] * w[i] }
        let mean = out.reduce(0, +) / Double(n)
        for i in 0..<n { out[i] -= mean }
        return out
    }
}
