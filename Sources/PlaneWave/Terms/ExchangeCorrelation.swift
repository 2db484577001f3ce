import Bindings

/// Exchange–correlation through libxc: E_xc = ∫ ρ ε_xc(ρ, |∇ρ|²) d³r and
/// V_xc = ∂(ρε)/∂ρ − 2 ∇·(∂(ρε)/∂σ ∇ρ) for GGAs (σ = |∇ρ|²). Gradients are spectral.
/// With a model core charge ρ_c (non-linear core correction) both are evaluated on ρ + ρ_c.
public final class ExchangeCorrelation: DensityTerm {
    public let name = "xc"
    let grid: FourierGrid
    let functionals: [XCFunctional]
    let isGGA: Bool
    /// ρ_c on the grid, nil without core charges.
    let coreDensity: [Double]?

    public init(grid: FourierGrid, functional: Functional, coreDensity: [Double]? = nil) throws {
        self.grid = grid
        functionals = try functional.components.map { try XCFunctional(name: $0) }
        isGGA = functionals.contains { $0.family == .gga }
        self.coreDensity = coreDensity
    }

    /// ρ (+ ρ_c) clipped at zero, its gradient and σ = |∇ρ|² (GGAs only).
    func inputs(_ valence: [Double]) -> (density: [Double], gradient: [[Double]], sigma: [Double]?) {
        let rho = coreDensity.map { c in zip(valence, c).map { $0 + $1 } } ?? valence
        let n = rho.count
        let density = rho.map { max($0, 0) }
        guard isGGA else { return (density, [], nil) }
        let gradient = grid.gradient(rho)
        var s = [Double](repeating: 0, count: n)
        for a in 0..<3 { for i in 0..<n { s[i] += gradient[a][i] * gradient[a][i] } }
        return (density, gradient, s)
    }

    /// E_xc alone: no potential, so no divergence term.
    public func energy(_ rho: [Double]) -> Double {
        let (density, _, sigma) = inputs(rho)
        var eps = [Double](repeating: 0, count: rho.count)
        for f in functionals {
            let e = f.energyDensity(rho: density, sigma: sigma)
            for i in 0..<eps.count { eps[i] += e[i] }
        }
        return grid.integrate(eps, density)
    }

    public func energyAndPotential(_ rho: [Double]) -> (energy: Double, potential: [Double]) {
        let n = rho.count
        let (density, gradient, sigma) = inputs(rho)
        var eps = [Double](repeating: 0, count: n)
        var v = [Double](repeating: 0, count: n)
        var vsigma = [Double](repeating: 0, count: n)
        for f in functionals {
            let r = f.evaluate(rho: density, sigma: sigma)
            for i in 0..<n {
                eps[i] += r.exc[i]
                v[i] += r.vrho[i]
                if f.family == .gga { vsigma[i] += r.vsigma[i] }
            }
        }
        if isGGA {
            let h = (0..<3).map { a in (0..<n).map { vsigma[$0] * gradient[a][$0] } }
            let div = grid.divergence(h)
            for i in 0..<n { v[i] -= 2 * div[i] }
        }
        return (grid.integrate(eps, density), v)
    }
}
