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
///
/// Collinear spin-polarised (`spinChannels` = 2) the density is (ρ, m), the total and the
/// magnetisation density, one after the other on the grid (`SCF`'s spin layout); libxc's polarised
/// functional is evaluated on ρ↑ = (ρ + m + ρ_c)/2, ρ↓ = (ρ − m + ρ_c)/2 (the core charge split
/// equally between the channels, as ABINIT and DFTK do), with
///   V_xc,↑ = ∂(ρε)/∂ρ↑ − ∇·(2 ∂(ρε)/∂σ↑↑ ∇ρ↑ + ∂(ρε)/∂σ↑↓ ∇ρ↓) and V_xc,↓ likewise;
/// the potential is (V_xc,↑, V_xc,↓), one after the other on the grid.
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
    /// 1, or 2 for a collinear spin-polarised density (ρ, m).
    public let spinChannels: Int

    public init(grid: FourierGrid, xcGrid: FourierGrid? = nil, functional: Functional, coreDensity: [Double]? = nil,
                spinChannels: Int = 1) throws {
        precondition(spinChannels == 1 || spinChannels == 2, "one or two spin channels")
        self.grid = grid
        let xcGrid = xcGrid ?? grid
        self.xcGrid = xcGrid
        self.spinChannels = spinChannels
        functionals = try functional.components.map { try XCFunctional(name: $0, polarized: spinChannels == 2) }
        isGGA = functionals.contains { $0.family == .gga }
        self.coreDensity = coreDensity
        precondition(coreDensity == nil || coreDensity!.count == xcGrid.count, "the core density lives on the XC grid")
        if xcGrid === grid {
            fineIndex = nil
        } else {
            let n = xcGrid.size
            precondition((0..<3).allSatisfy { n[$0] >= grid.size[$0] }, "the XC grid is at least as fine as the density grid")
            var index = [Int](repeating: 0, count: grid.count)
            grid.forEachMiller { i, m in
                let a = (Int(m.x) + n[0]) % n[0], b = (Int(m.y) + n[1]) % n[1], c = (Int(m.z) + n[2]) % n[2]
                index[i] = (a * n[1] + b) * n[2] + c
            }
            fineIndex = index
        }
    }

    /// ρ on `xcGrid`: Σ_G ρ_G e^{iG·r} over the density grid's G (exact at the density grid's points).
    func interpolated(_ rho: [Double]) -> [Double] {
        guard let fineIndex else { return rho }
        return xcGrid.real(grid.fourier(rho), at: fineIndex)
    }

    /// A potential on `xcGrid` restricted to the density grid's Fourier coefficients.
    func restricted(_ v: [Double]) -> [Double] {
        guard let fineIndex else { return v }
        let vG = xcGrid.fourier(v)
        return grid.real(fineIndex.map { vG[$0] })
    }

    /// ρ (+ ρ_c) clipped at zero, its gradient and σ = |∇ρ|² (GGAs only), on `xcGrid`.
    func inputs(_ valenceOnDensityGrid: [Double]) throws -> (density: [Double], gradient: [[Double]], sigma: [Double]?) {
        try inputs(valence: interpolated(valenceOnDensityGrid), core: coreDensity, on: xcGrid)
    }

    /// `inputs` of the valence density and core charge given at the points of `fields`.
    func inputs(valence: [Double], core: [Double]?, on fields: FieldCalculus) throws
        -> (density: [Double], gradient: [[Double]], sigma: [Double]?) {
        let rho = core.map { c in zip(valence, c).map { $0 + $1 } } ?? valence
        let n = rho.count
        let density = rho.map { max($0, 0) }
        guard isGGA else { return (density, [], nil) }
        let gradient = try fields.gradient(rho)
        var s = [Double](repeating: 0, count: n)
        for a in 0..<3 { for i in 0..<n { s[i] += gradient[a][i] * gradient[a][i] } }
        return (density, gradient, s)
    }

    /// E_xc alone: no potential, so no divergence term, and σ without the gradient's components.
    public func energy(_ rho: [Double]) throws -> Double {
        if spinChannels == 2 { return spinEnergy(rho) }
        return try energy(valence: interpolated(rho), core: coreDensity, on: xcGrid)
    }

    /// E_xc (its part over the points of `fields`) of the valence density and core charge given at them.
    func energy(valence: consuming [Double], core: [Double]?, on fields: FieldCalculus) throws -> Double {
        // one grid-sized field at a time where possible: this is the refinement check's evaluation on
        // a finer grid, the SCF's largest transient
        var density = valence
        if let core { for i in density.indices { density[i] += core[i] } }
        let sigma = isGGA ? try fields.gradientSquared(density) : nil
        for i in density.indices { density[i] = max(density[i], 0) }
        var eps: [Double] = []
        for f in functionals {
            let e = f.energyDensity(rho: density, sigma: sigma)
            if eps.isEmpty { eps = e } else { for i in 0..<eps.count { eps[i] += e[i] } }
        }
        return eps.isEmpty ? 0 : fields.integrate(eps, density)
    }

    public func energyAndPotential(_ rho: [Double]) throws -> (energy: Double, potential: [Double]) {
        if spinChannels == 2 {
            let (energy, v) = spinEnergyAndFinePotentials(rho)
            return (energy, restricted(v.up) + restricted(v.down))
        }
        let (energy, v) = try energyAndFinePotential(rho)
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
    func energyAndFinePotential(_ rho: [Double]) throws -> (energy: Double, potential: [Double]) {
        try energyAndPotential(valence: interpolated(rho), core: coreDensity, on: xcGrid)
    }

    /// E_xc (its part over the points of `fields`) and V_xc at them, of the valence density and core
    /// charge given at them.
    func energyAndPotential(valence: [Double], core: [Double]?, on fields: FieldCalculus) throws -> (energy: Double, potential: [Double]) {
        var (density, gradient, sigma) = try inputs(valence: valence, core: core, on: fields)
        let n = density.count
        let (eps, vrho, vsigma) = evaluate(density: density, sigma: sigma)
        sigma = nil
        var v = vrho
        if isGGA {
            // v_σ ∇ρ in the gradient's own storage
            for a in 0..<3 { gradient[a].withUnsafeMutableBufferPointer { g in for i in 0..<n { g[i] *= vsigma[i] } } }
            let div = try fields.divergence(gradient)
            for i in 0..<n { v[i] -= 2 * div[i] }
        }
        return (fields.integrate(eps, density), v)
    }
}

extension ExchangeCorrelation: SlabDensityTerm {
    /// On the density grid itself, one channel: the finer XC grid and the spin channels are evaluated whole.
    public var evaluatesOnSlabs: Bool { fineIndex == nil && spinChannels == 1 }

    public func energyAndPotential(_ rho: [Double], on slab: GridSlab) throws -> (energy: Double, potential: [Double]) {
        precondition(evaluatesOnSlabs, "exchange–correlation on slabs: the density grid, one channel")
        return try energyAndPotential(valence: rho, core: coreDensity.map(slab.slice), on: slab)
    }

    public func energy(_ rho: [Double], on slab: GridSlab) throws -> Double {
        precondition(evaluatesOnSlabs, "exchange–correlation on slabs: the density grid, one channel")
        return try energy(valence: rho, core: coreDensity.map(slab.slice), on: slab)
    }
}

extension ExchangeCorrelation: AtomicForceTerm {
    /// The force of the non-linear core correction, F_a = −∫ V_xc ∂ρ_c/∂τ_a d³r on `xcGrid`, where
    /// ρ_c is built (`modelCoreDensity`) and V_xc is the potential of ρ + ρ_c there
    /// (`atomCentredForces` with f = V_xc, g = ρ_c); zero without core charges.
    public func forces(_ state: ForceState) throws -> [SIMD3<Double>] {
        let model = grid.basis.model
        guard coreDensity != nil else { return [SIMD3<Double>](repeating: .zero, count: model.crystal.atoms.count) }
        let v = try corePotential(state.density, slab: state.slab)
        return try atomCentredForces(grid: xcGrid, field: v, model: model, share: state.share) { pp, q in pp.coreChargeFourier(q) }
    }
}

extension ExchangeCorrelation: StressTerm {
    /// ∂E_xc/∂ε_αβ with ρ̃ = ρ + ρ_c (ρ̃ clipped at zero where ε_xc is evaluated, as in `energy`):
    /// Ωρ̃_G is fixed but for the core's radial parts, and the gradient's G strains as the cell, so
    ///   ∂E_xc/∂ε_αβ = δ_αβ [E_xc − ∫ (v_ρ ρ̃ + 2 v_σ σ)] − 2 ∫ v_σ ∂_αρ̃ ∂_βρ̃ + T_αβ,
    /// v_ρ = ∂(ρε)/∂ρ and v_σ = ∂(ρε)/∂σ (libxc's vrho, vsigma; zero for LDAs), T the core charge's
    /// radial parts (`atomCentredStress` with f = V_xc, g′ = ρ′_c,a), all on `xcGrid`; on the
    /// state's slab when it has one and the term `evaluatesOnSlabs` (the integrals summed over the slabs).
    public func strainDerivative(_ state: ForceState) throws -> [SIMD3<Double>] {
        if spinChannels == 2 { return try spinStrainDerivative(state) }
        let slab = evaluatesOnSlabs ? state.slab : nil
        let fields: FieldCalculus = slab ?? xcGrid
        let (density, gradient, sigma) = try slab.map { s in try inputs(valence: s.slice(state.density), core: coreDensity.map(s.slice), on: s) }
            ?? inputs(state.density)
        let n = density.count
        let (eps, vrho, vsigma) = evaluate(density: density, sigma: sigma)
        let energy = fields.integrate(eps, density)
        var scaling = fields.integrate(vrho, density)
        var t = Tensor3.zero
        if isGGA, let sigma {
            scaling += 2 * fields.integrate(vsigma, sigma)
            for a in 0..<3 { for b in a..<3 {
                var s = 0.0
                for i in 0..<n { s += vsigma[i] * gradient[a][i] * gradient[b][i] }
                let v = -2 * s * xcGrid.basis.volume / Double(xcGrid.count)
                t[a][b] = v; t[b][a] = v
            } }
        }
        for a in 0..<3 { t[a][a] += energy - scaling }
        if let slab {
            var parts = (0..<9).map { t[$0 / 3][$0 % 3] }
            try slab.slabs.sum(&parts)
            for a in 0..<3 { t[a] = SIMD3(parts[3 * a], parts[3 * a + 1], parts[3 * a + 2]) }
        }
        if coreDensity != nil {
            let v = try corePotential(state.density, slab: state.slab)
            let core = try atomCentredStress(grid: xcGrid, field: v, model: grid.basis.model, share: state.share) {
                pp, q in pp.coreChargeFourierDerivative(q)
            }
            t = Tensor3.sum(t, core)
        }
        return t
    }
}

// MARK: collinear spin

extension ExchangeCorrelation {
    /// The potential the core charge feels on `xcGrid`: V_xc, or (V_xc,↑ + V_xc,↓)/2 spin-polarised
    /// (ρ_c/2 in each channel); evaluated on `slab` and gathered whole when there is one and the term
    /// `evaluatesOnSlabs` (collective then).
    func corePotential(_ rho: [Double], slab: GridSlab? = nil) throws -> [Double] {
        if let slab, evaluatesOnSlabs { return try slab.slabs.gather(energyAndPotential(slab.slice(rho), on: slab).potential) }
        guard spinChannels == 2 else { return try energyAndFinePotential(rho).potential }
        let v = spinEnergyAndFinePotentials(rho).potentials
        return zip(v.up, v.down).map { ($0 + $1) / 2 }
    }

    /// ρ↑, ρ↓ (unclipped) of (ρ, m) on `xcGrid`, with ρ_c/2 each; libxc's interleaved (ρ↑, ρ↓),
    /// clipped at zero; with GGAs the channels' gradients and libxc's interleaved σ.
    func spinInputs(_ rm: [Double]) -> (density: [Double], gradients: [[[Double]]], sigma: [Double]?) {
        let n = grid.count
        precondition(rm.count == 2 * n, "a spin density holds ρ and m")
        let total = interpolated(Array(rm[0..<n])), m = interpolated(Array(rm[n...]))
        let np = total.count
        var up = [Double](repeating: 0, count: np), down = up
        for i in 0..<np {
            let c = coreDensity?[i] ?? 0
            up[i] = (total[i] + m[i] + c) / 2
            down[i] = (total[i] - m[i] + c) / 2
        }
        var density = [Double](repeating: 0, count: 2 * np)
        for i in 0..<np { density[2 * i] = max(up[i], 0); density[2 * i + 1] = max(down[i], 0) }
        guard isGGA else { return (density, [], nil) }
        let gu = xcGrid.gradient(up), gd = xcGrid.gradient(down)
        var sigma = [Double](repeating: 0, count: 3 * np)
        for a in 0..<3 {
            for i in 0..<np {
                sigma[3 * i] += gu[a][i] * gu[a][i]
                sigma[3 * i + 1] += gu[a][i] * gd[a][i]
                sigma[3 * i + 2] += gd[a][i] * gd[a][i]
            }
        }
        return (density, [gu, gd], sigma)
    }

    /// ρ↑ + ρ↓ of libxc's interleaved (clipped) density.
    static func channelSum(_ density: [Double]) -> [Double] {
        (0..<(density.count / 2)).map { density[2 * $0] + density[2 * $0 + 1] }
    }

    func spinEnergy(_ rm: [Double]) -> Double {
        let (density, _, sigma) = spinInputs(rm)
        var eps = [Double](repeating: 0, count: density.count / 2)
        for f in functionals {
            let e = f.energyDensity(rho: density, sigma: sigma)
            for i in 0..<eps.count { eps[i] += e[i] }
        }
        return xcGrid.integrate(eps, Self.channelSum(density))
    }

    /// ε_xc and libxc's interleaved vρ, vσ summed over the functionals.
    func spinEvaluate(density: [Double], sigma: [Double]?) -> (eps: [Double], vrho: [Double], vsigma: [Double]) {
        let np = density.count / 2
        var eps = [Double](repeating: 0, count: np)
        var vrho = [Double](repeating: 0, count: 2 * np)
        var vsigma = [Double](repeating: 0, count: 3 * np)
        for f in functionals {
            let r = f.evaluate(rho: density, sigma: sigma)
            for i in 0..<np { eps[i] += r.exc[i] }
            for i in 0..<(2 * np) { vrho[i] += r.vrho[i] }
            if f.family == .gga { for i in 0..<(3 * np) { vsigma[i] += r.vsigma[i] } }
        }
        return (eps, vrho, vsigma)
    }

    /// E_xc and (V_xc,↑, V_xc,↓) on `xcGrid` (before the restriction to the density grid).
    func spinEnergyAndFinePotentials(_ rm: [Double]) -> (energy: Double, potentials: (up: [Double], down: [Double])) {
        let (density, gradients, sigma) = spinInputs(rm)
        let np = density.count / 2
        let (eps, vrho, vsigma) = spinEvaluate(density: density, sigma: sigma)
        var up = (0..<np).map { vrho[2 * $0] }, down = (0..<np).map { vrho[2 * $0 + 1] }
        if isGGA {
            let gu = gradients[0], gd = gradients[1]
            var hu = [[Double]](repeating: [Double](repeating: 0, count: np), count: 3), hd = hu
            for a in 0..<3 {
                for i in 0..<np {
                    let uu: Double = vsigma[3 * i], ud: Double = vsigma[3 * i + 1], dd: Double = vsigma[3 * i + 2]
                    hu[a][i] = 2 * uu * gu[a][i] + ud * gd[a][i]
                    hd[a][i] = 2 * dd * gd[a][i] + ud * gu[a][i]
                }
            }
            let du = xcGrid.divergence(hu), dd = xcGrid.divergence(hd)
            for i in 0..<np { up[i] -= du[i]; down[i] -= dd[i] }
        }
        return (xcGrid.integrate(eps, Self.channelSum(density)), (up, down))
    }

    /// `strainDerivative` spin-polarised: with ρ̃_σ the channels' densities (ρ_c/2 each),
    ///   ∂E_xc/∂ε_αβ = δ_αβ [E_xc − ∫ (Σ_σ v_ρσ ρ̃_σ + 2 Σ_σσ′ v_σσ′ σ_σσ′)]
    ///                − ∫ (2 v_↑↑ ∂_αρ̃↑∂_βρ̃↑ + v_↑↓ (∂_αρ̃↑∂_βρ̃↓ + ∂_αρ̃↓∂_βρ̃↑) + 2 v_↓↓ ∂_αρ̃↓∂_βρ̃↓) + T_αβ,
    /// T the core charge's radial parts with f = (V_xc,↑ + V_xc,↓)/2.
    func spinStrainDerivative(_ state: ForceState) throws -> [SIMD3<Double>] {
        let (density, gradients, sigma) = spinInputs(state.density)
        let np = density.count / 2
        let (eps, vrho, vsigma) = spinEvaluate(density: density, sigma: sigma)
        let energy = xcGrid.integrate(eps, Self.channelSum(density))
        var scaling = 0.0
        for i in 0..<(2 * np) { scaling += vrho[i] * density[i] }
        var t = Tensor3.zero
        if isGGA, let sigma {
            for i in 0..<(3 * np) { scaling += 2 * vsigma[i] * sigma[i] }
            let gu = gradients[0], gd = gradients[1]
            for a in 0..<3 { for b in a..<3 {
                var s = 0.0
                for i in 0..<np {
                    let uu: Double = 2 * vsigma[3 * i] * gu[a][i] * gu[b][i]
                    let ud: Double = vsigma[3 * i + 1] * (gu[a][i] * gd[b][i] + gd[a][i] * gu[b][i])
                    let dd: Double = 2 * vsigma[3 * i + 2] * gd[a][i] * gd[b][i]
                    s += uu + ud + dd
                }
                let v = -s * xcGrid.basis.volume / Double(np)
                t[a][b] = v; t[b][a] = v
            } }
        }
        scaling *= xcGrid.basis.volume / Double(np)
        for a in 0..<3 { t[a][a] += energy - scaling }
        if coreDensity != nil {
            let core = try atomCentredStress(grid: xcGrid, field: try corePotential(state.density), model: grid.basis.model,
                                             share: state.share) { pp, q in
                pp.coreChargeFourierDerivative(q)
            }
            t = Tensor3.sum(t, core)
        }
        return t
    }
}
