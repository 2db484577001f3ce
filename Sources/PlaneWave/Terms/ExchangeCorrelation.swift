import Bindings
import Numerics

/// Exchange–correlation through libxc: E_xc = ∫ ρ ε_xc(ρ, |∇ρ|²) d³r and
/// V_xc = ∂(ρε)/∂ρ − 2 ∇·(∂(ρε)/∂σ ∇ρ) for GGAs (σ = |∇ρ|²). Gradients are spectral.
/// With a model core charge ρ_c (non-linear core correction) both are evaluated on ρ + ρ_c.
///
/// The integrand is not band-limited: ε_xc is a non-linear function of ρ, and ρ_c has Fourier
/// components beyond the density sphere. It is therefore evaluated on `xcGrid`, a grid of the same
/// cell at least as fine as the density grid, onto which ρ is Fourier-interpolated (its coefficients
/// are exact there); V_xc is the restriction of the fine-grid potential to the density grid's
/// coefficients, which is δE_xc/δρ of the energy so computed. On the density grid itself
/// (`xcGrid` = `grid`) this is the usual evaluation.
public final class ExchangeCorrelation: DensityTerm {
    public let name = "xc"
    let grid: FourierGrid
    let xcGrid: FourierGrid
    let functionals: [XCFunctional]
    let isGGA: Bool
    /// ρ_c on `xcGrid`, nil without core charges.
    let coreDensity: [Double]?
    /// The index on `xcGrid` of each density-grid point's G; nil when the grids are one.
    let fineIndex: [Int]?

    public init(grid: FourierGrid, xcGrid: FourierGrid? = nil, functional: Functional, coreDensity: [Double]? = nil) throws {
        self.grid = grid
        let xcGrid = xcGrid ?? grid
        self.xcGrid = xcGrid
        functionals = try functional.components.map { try XCFunctional(name: $0) }
        isGGA = functionals.contains { $0.family == .gga }
        self.coreDensity = coreDensity
        precondition(coreDensity == nil || coreDensity!.count == xcGrid.count, "the core density lives on the XC grid")
        if xcGrid === grid {
            fineIndex = nil
        } else {
            let n = xcGrid.size
            precondition((0..<3).allSatisfy { n[$0] >= grid.size[$0] }, "the XC grid is at least as fine as the density grid")
            fineIndex = grid.millers.map { m in
                let a = (Int(m.x) + n[0]) % n[0], b = (Int(m.y) + n[1]) % n[1], c = (Int(m.z) + n[2]) % n[2]
                return (a * n[1] + b) * n[2] + c
            }
        }
    }

    /// ρ on `xcGrid`: Σ_G ρ_G e^{iG·r} over the density grid's G (exact at the density grid's points).
    func interpolated(_ rho: [Double]) -> [Double] {
        guard let fineIndex else { return rho }
        let rhoG = grid.fourier(rho)
        var fine = [Complex64](repeating: .zero, count: xcGrid.count)
        for i in rhoG.indices { fine[fineIndex[i]] = rhoG[i] }
        return xcGrid.real(fine)
    }

    /// A potential on `xcGrid` restricted to the density grid's Fourier coefficients.
    func restricted(_ v: [Double]) -> [Double] {
        guard let fineIndex else { return v }
        let vG = xcGrid.fourier(v)
        return grid.real(fineIndex.map { vG[$0] })
    }

    /// ρ (+ ρ_c) clipped at zero, its gradient and σ = |∇ρ|² (GGAs only).
    func inputs(_ valenceOnDensityGrid: [Double]) -> (density: [Double], gradient: [[Double]], sigma: [Double]?) {
        let valence = interpolated(valenceOnDensityGrid)
        let rho = coreDensity.map { c in zip(valence, c).map { $0 + $1 } } ?? valence
        let n = rho.count
        let density = rho.map { max($0, 0) }
        guard isGGA else { return (density, [], nil) }
        let gradient = xcGrid.gradient(rho)
        var s = [Double](repeating: 0, count: n)
        for a in 0..<3 { for i in 0..<n { s[i] += gradient[a][i] * gradient[a][i] } }
        return (density, gradient, s)
    }

    /// E_xc alone: no potential, so no divergence term, and σ without the gradient's components.
    public func energy(_ rho: [Double]) -> Double {
        let valence = interpolated(rho)
        let total = coreDensity.map { c in zip(valence, c).map { $0 + $1 } } ?? valence
        let sigma = isGGA ? xcGrid.gradientSquared(total) : nil
        let density = total.map { max($0, 0) }
        var eps = [Double](repeating: 0, count: density.count)
        for f in functionals {
            let e = f.energyDensity(rho: density, sigma: sigma)
            for i in 0..<eps.count { eps[i] += e[i] }
        }
        return xcGrid.integrate(eps, density)
    }

    public func energyAndPotential(_ rho: [Double]) -> (energy: Double, potential: [Double]) {
        let (energy, v) = energyAndFinePotential(rho)
        return (energy, restricted(v))
    }

    /// ε_xc, v_ρ = ∂(ρε)/∂ρ and v_σ = ∂(ρε)/∂σ (zero for LDAs) summed over the functionals (libxc).
    func evaluate(density: [Double], sigma: [Double]?) -> (eps: [Double], vrho: [Double], vsigma: [Double]) {
        let n = density.count
        var eps = [Double](repeating: 0, count: n)
        var vrho = [Double](repeating: 0, count: n)
        var vsigma = [Double](repeating: 0, count: n)
        for f in functionals {
            let r = f.evaluate(rho: density, sigma: sigma)
            for i in 0..<n {
                eps[i] += r.exc[i]
                vrho[i] += r.vrho[i]
                if f.family == .gga { vsigma[i] += r.vsigma[i] }
            }
        }
        return (eps, vrho, vsigma)
    }

    /// E_xc and V_xc = δE_xc/δ(ρ + ρ_c) on `xcGrid` itself (before the restriction to the density grid).
    func energyAndFinePotential(_ rho: [Double]) -> (energy: Double, potential: [Double]) {
        let (density, gradient, sigma) = inputs(rho)
        let n = density.count
        let (eps, vrho, vsigma) = evaluate(density: density, sigma: sigma)
        var v = vrho
        if isGGA {
            let h = (0..<3).map { a in (0..<n).map { vsigma[$0] * gradient[a][$0] } }
            let div = xcGrid.divergence(h)
            for i in 0..<n { v[i] -= 2 * div[i] }
        }
        return (xcGrid.integrate(eps, density), v)
    }
}

extension ExchangeCorrelation: AtomicForceTerm {
    /// The force of the non-linear core correction, F_a = −∫ V_xc ∂ρ_c/∂τ_a d³r on `xcGrid`, where
    /// ρ_c is built (`modelCoreDensity`) and V_xc is the potential of ρ + ρ_c there
    /// (`atomCentredForces` with f = V_xc, g = ρ_c); zero without core charges.
    public func forces(_ state: ForceState) -> [SIMD3<Double>] {
        let model = grid.basis.model
        guard coreDensity != nil else { return [SIMD3<Double>](repeating: .zero, count: model.crystal.atoms.count) }
        let v = energyAndFinePotential(state.density).potential
        return atomCentredForces(grid: xcGrid, field: v, model: model) { pp, q in pp.coreChargeFourier(q) }
    }
}

extension ExchangeCorrelation: StressTerm {
    /// ∂E_xc/∂ε_αβ with ρ̃ = ρ + ρ_c (ρ̃ clipped at zero where ε_xc is evaluated, as in `energy`):
    /// Ωρ̃_G is fixed but for the core's radial parts, and the gradient's G strains as the cell, so
    ///   ∂E_xc/∂ε_αβ = δ_αβ [E_xc − ∫ (v_ρ ρ̃ + 2 v_σ σ)] − 2 ∫ v_σ ∂_αρ̃ ∂_βρ̃ + T_αβ,
    /// v_ρ = ∂(ρε)/∂ρ and v_σ = ∂(ρε)/∂σ (libxc's vrho, vsigma; zero for LDAs), T the core charge's
    /// radial parts (`atomCentredStress` with f = V_xc, g′ = ρ′_c,a), all on `xcGrid`.
    public func strainDerivative(_ state: ForceState) -> [SIMD3<Double>] {
        let (density, gradient, sigma) = inputs(state.density)
        let n = density.count
        let (eps, vrho, vsigma) = evaluate(density: density, sigma: sigma)
        let energy = xcGrid.integrate(eps, density)
        var scaling = xcGrid.integrate(vrho, density)
        var t = Tensor3.zero
        if isGGA, let sigma {
            scaling += 2 * xcGrid.integrate(vsigma, sigma)
            for a in 0..<3 { for b in a..<3 {
                var s = 0.0
                for i in 0..<n { s += vsigma[i] * gradient[a][i] * gradient[b][i] }
                let v = -2 * s * xcGrid.basis.volume / Double(n)
                t[a][b] = v; t[b][a] = v
            } }
        }
        for a in 0..<3 { t[a][a] += energy - scaling }
        if coreDensity != nil {
            let v = energyAndFinePotential(state.density).potential
            let core = atomCentredStress(grid: xcGrid, field: v, model: grid.basis.model) { pp, q in pp.coreChargeFourierDerivative(q) }
            t = Tensor3.sum(t, core)
        }
        return t
    }
}
