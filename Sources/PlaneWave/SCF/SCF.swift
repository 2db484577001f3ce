import Bindings
import Foundation
import Numerics

/// The self-consistent field as a fixed-point problem ρ = F(ρ), F(ρ_in) = ρ_out[V[ρ_in]] (the
/// formulation of DFTK's `self_consistent_field`; Kresse & Furthmüller, Comput. Mater. Sci. 6, 15
/// (1996)). One application of F: build V[ρ_in] from the energy terms (`KohnShamTerms`),
/// diagonalise H at every owned k-point (`KohnShamEigensolver`, from the previous orbitals or
/// `SubspaceStart`, to the tolerance of `DiagonalizationTolerance`), occupy, form the symmetrised
/// ρ_out and the energy. The solver around it: `SCFConvergence` decides, `AndersonAcceleration` over
/// a `MixingPreconditioner` gives the next ρ_in, `BandCountPolicy` sizes the band count, and a
/// `DensityStepStrategy` shares the density-level work between processes.
public final class SCF {
    public let basis: PlaneWaveBasis
    public let parameters: SCFParameters
    let distribution: KPointDistribution
    let grid: FourierGrid
    /// The energy terms and the total local potential.
    let terms: KohnShamTerms
    let symmetrization: Symmetrization
    let eigensolver: KohnShamEigensolver
    let convergence: SCFConvergence
    let tolerancePolicy = DiagonalizationTolerance()
    let bandPolicy = BandCountPolicy()
    /// ⟨ψ_nk|V_NL|ψ_nk⟩ of the current orbitals of each owned k-point, from their diagonalisation.
    /// The projectors themselves are rebuilt per k-point and step (`NonlocalProjectors` is cheap to
    /// build), not stored: for many k-points they would take several times the orbitals' memory.
    var nonlocalEnergies: [Int: [Double]] = [:]
    /// Seconds spent on the owned k-points (eigensolver, density) and in the process sums, for `SCFStep`.
    var kPointClock = 0.0, reductionClock = 0.0
    /// Work stealing among the processes during `run` (nil: each computes its own k-points).
    var sharing: KPointSharing? = nil
    public private(set) var bands: Int
    /// Orbitals of the owned k-points (plane waves × bands); after `run`, the converged ones.
    public internal(set) var orbitals: [Int: ComplexMatrix] = [:]
    /// Called on every process after each iteration.
    public var observer: ((SCFStep) -> Void)?
    /// Checked after each iteration (on every process; its answer must be the same on all of them):
    /// true ends the loop with `SCFResult.stopped` set, e.g. for a time limit or a signal.
    public var shouldStop: (() -> Bool)?
    /// A hard limit inside an iteration (e.g. a point's deadline): asked on this process alone, between
    /// the eigensolver's iterations and once after each diagonalisation, so it must be cheap (a clock
    /// against a deadline) and need not agree between processes. Once true on any process, the
    /// diagonalisation of every k-point ends at its next check (a pool of processes agrees at each
    /// check), the processes agree by a sum after the diagonalisation, and the SCF ends after that
    /// iteration with `SCFResult.stopped` (the energies of the partly diagonalised step).
    public var interrupt: (() -> Bool)?
    /// Whether `interrupt` answered true on this process during the current iteration.
    private var interruptedHere = false

    public init(basis: PlaneWaveBasis, parameters: SCFParameters, distribution: KPointDistribution = SerialKPoints()) throws {
        self.basis = basis
        self.parameters = try parameters.validated()
        self.distribution = distribution
        grid = FourierGrid(basis: basis)
        terms = try KohnShamTerms(basis: basis, grid: grid)
        symmetrization = Symmetrization(grid: grid)
        eigensolver = KohnShamEigensolver(basis: basis, distribution: distribution, nonlocal: terms.nonlocal,
                                          method: parameters.eigensolver, grid: grid,
                                          realAtGamma: parameters.realWavefunctionsAtGamma,
                                          workspaceBudget: parameters.eigensolverMemory)
        convergence = SCFConvergence(parameters: parameters, atoms: basis.model.crystal.atoms.count,
                                     electrons: basis.model.electronCount)
        bands = BandCountPolicy.automatic(for: basis)
        eigensolver.prepareLayouts(for: basis.kpoints.indices.filter { distribution.owns($0) })
    }

    /// The starting band count when the config does not fix it (`BandCountPolicy.automatic(for:)`).
    public static func automaticBands(for basis: PlaneWaveBasis) -> Int { BandCountPolicy.automatic(for: basis) }

    /// Sets the number of bands (validated against the occupied states and the basis size).
    public func setBands(_ n: Int) throws {
        let nocc = BandCountPolicy.occupied(basis)
        guard n >= nocc else { throw InputError("bands", "\(n) bands are fewer than the \(nocc) occupied states") }
        let minPW = BandCountPolicy.limit(basis)
        guard n <= minPW else { throw InputError("bands", "\(n) bands exceed the \(minPW) plane waves of the smallest k-point basis") }
        bands = n
        orbitals.removeAll()
    }

    /// Superposition of atomic valence densities, ρ_G = (1/Ω) Σ_a ρ_a(|G|) e^{−iG·τ_a}: the
    /// pseudo-atom's own density where the pseudopotential carries one (`valenceDensityFourier`,
    /// scaled to hold Z_a electrons, as its table may be truncated), otherwise a Gaussian charge
    /// Z_a e^{−G²s²/2}, s = 1.2 bohr. Spin-polarised, (ρ, m) with the magnetisation the atomic
    /// densities weighted by the moments, m_G = (1/Ω) Σ_a (μ_a/Z_a) ρ_a(|G|) e^{−iG·τ_a} (ABINIT's
    /// `spinat` start), so each atom starts with its moment μ_a and |m| ≤ ρ.
    public func initialDensity() -> [Double] { SCF.initialDensity(basis: basis, grid: grid) }

    /// `initialDensity()` without building an SCF.
    public static func initialDensity(basis: PlaneWaveBasis, grid: FourierGrid) -> [Double] {
        let total = atomicDensity(basis: basis, grid: grid, weights: nil)
        guard let moments = basis.model.magneticMoments else { return total }
        return total + atomicDensity(basis: basis, grid: grid, weights: moments)
    }

    /// Σ_a c_a ρ_a (as in `initialDensity`) with c_a = 1, or c_a = weights[a]/Z_a.
    static func atomicDensity(basis: PlaneWaveBasis, grid: FourierGrid, weights: [Double]?) -> [Double] {
        let s = 1.2
        let pseudopotentials = basis.model.pseudopotentials
        let coefficients = weights.map { w in
            basis.model.crystal.atoms.enumerated().map { a, atom in w[a] / Double(pseudopotentials[atom.species]!.zion) }
        }
        return atomicSuperposition(grid: grid, coefficients: coefficients) { p, q in
            p.hasValenceDensity ? Double(p.zion) / p.valenceDensityFourier(0) * p.valenceDensityFourier(q)
                                : Double(p.zion) * exp(-q * q * s * s / 2)
        }
    }

    /// Runs the SCF from `startDensity` (or the atomic guess). Non-convergence is a status, not an error.
    /// `startOrbitals` (by k-point index: this basis' plane waves × any number of bands, e.g. a similar
    /// calculation's converged ones) start the eigensolver of the owned k-points near the answer.
    public func run(startDensity: [Double]? = nil, startOrbitals: [Int: ComplexMatrix] = [:]) throws -> SCFResult {
        let nel = basis.model.electronCount
        let refinement = parameters.xcGridTolerance.map { XCGridRefinement(tolerance: $0) }
        let weights = basis.kpoints.map(\.kpoint.weight)
        let mixer = AndersonAcceleration(damping: parameters.mixingDamping, history: parameters.mixingHistory,
                                         preconditioner: parameters.mixingPreconditioner(grid: grid, spinChannels: basis.spinChannels))
        let densityStep: DensityStepStrategy
        let slabs = distribution.process.count > 1 ? try makeDensitySlabs(preconditioner: mixer.preconditioner) : nil
        if distribution.process.count == 1 {
            densityStep = SerialDensityStep(terms: terms, mixer: mixer, volume: basis.volume, points: grid.count)
        } else if let slabs, let factor = mixer.preconditioner.fourierFactor {
            densityStep = SlabDensityStep(terms: terms, mixer: mixer, factor: factor, grid: grid, distribution: distribution, slabs: slabs)
        } else {
            densityStep = SharedDensityStep(terms: terms, mixer: mixer, volume: basis.volume, points: grid.count, distribution: distribution)
        }
        let filled = basis.model.filledOccupation
        let spins = basis.kpoints.map(\.spin)
        adoptOrbitals(startOrbitals)
        sharing = try distribution.makeSharing(planeWaves: basis.kpoints.map(\.count))
        if sharing != nil { eigensolver.prepareLayouts(for: basis.kpoints.indices) }
        var rhoIn = startDensity ?? initialDensity()
        guard rhoIn.count == basis.spinChannels * grid.count else {
            throw InputError("start_density", "has \(rhoIn.count) values, the grid \(grid.count) points × \(basis.spinChannels) spin channels")
        }
        var history: [SCFStep] = []
        var previousF = Double.nan
        var residual = 1.0
        var growths = 0
        var iteration = 0
        var previousOccupations: [[Double]]? = nil
        var checkedEarly = false
        // the steps since the start or the last restart (more bands, a finer XC grid), for the stall test
        var runResiduals: [Double] = [], runEnergyChanges: [Double] = [], runEigensolverIterations: [Int] = []
        let atoms = basis.model.crystal.atoms.count
        while true {
            iteration += 1
            let t0 = Date()
            kPointClock = 0; reductionClock = 0
            // F(ρ_in): diagonalise H[V[ρ_in]], occupy, form ρ_out
            let v = try densityStep.potential(rhoIn)
            // the density-level temporaries of the last step (XC, mixing, a grid check) are free now: their
            // pages go back before the eigensolver's blocks take the heap (once per step, a few page faults)
            HeapRelease.freePages()
            let tolerance = tolerancePolicy.tolerance(iteration: iteration, residual: residual, atoms: atoms, suppliedDensity: startDensity != nil)
            interruptedHere = false
            let (eigenvalues, diagIterations) = try diagonalize(potential: v, tolerance: tolerance,
                                                               maxIterations: tolerancePolicy.maxIterations(iteration: iteration),
                                                               previous: previousOccupations)
            // every process ends this iteration interrupted or none (collective: `interrupt` set on all)
            var interrupted = false
            if let interrupt = self.interrupt {
                var flag = [interruptedHere || interrupt() ? 1.0 : 0.0]
                try distribution.sum(&flag)
                interrupted = flag[0] > 0
            }
            let occ = try Occupations.compute(eigenvalues: eigenvalues, weights: weights, electrons: nel, smearing: basis.model.smearing,
                                              filled: filled, spins: spins, magnetization: basis.model.fixedMagnetization)
            previousOccupations = occ.values
            var (rhoOut, orbitalSums) = try density(occupations: occ.values)
            rhoOut = symmetrize(rhoOut)
            // the energy of ρ_out and its residual
            let evaluated = try densityStep.evaluate(rhoIn: &rhoIn, rhoOut: rhoOut)
            reductionClock += evaluated.summing
            residual = evaluated.residual
            let energies = try terms.energies(densityEnergies: evaluated.energies,
                                              state: KohnShamState(density: rhoOut, orbitalSums: orbitalSums, occupations: occ))
            let f = energies.freeEnergy
            let change = previousF.isNaN ? f : f - previousF
            previousF = f
            let step = SCFStep(iteration: iteration, freeEnergy: f, energyChange: change, densityResidual: residual,
                               eigensolverIterations: diagIterations, seconds: Date().timeIntervalSince(t0),
                               kPointSeconds: kPointClock, reductionSeconds: reductionClock)
            history.append(step)
            runResiduals.append(residual); runEnergyChanges.append(change); runEigensolverIterations.append(diagIterations)
            observer?(step)
            var done = !interrupted && convergence.isConverged(iteration: iteration, energyChange: change, densityResidual: residual)
            if !interrupted, bandPolicy.shouldGrow(smearing: basis.model.smearing, iteration: iteration, growths: growths, occupations: occ,
                                     filled: filled), grow() {
                // not enough empty bands: go on from the current density with more
                growths += 1
                previousOccupations = nil
                done = false
                runResiduals = []; runEnergyChanges = []; runEigensolverIterations = []
            } else if !interrupted, let refinement, iteration < parameters.maxIterations,
                      done || (!checkedEarly && iteration > 1 && residual < XCGridRefinement.earlyResidual) {
                checkedEarly = true
                if done {
                    // the mixing history is not needed after this check whatever it decides (a finer grid
                    // restarts the mixing, the current one ends the SCF): its pages go back before the
                    // finer grid's fields are made
                    mixer.reset()
                    HeapRelease.freePages()
                }
                if let finer = try refinement.refined(terms: terms, density: rhoOut, atoms: basis.model.crystal.atoms.count) {
                    // E_xc not converged on its grid: go on from ρ_out on a finer one
                    terms.use(finer)
                    densityStep.restart(rhoIn: &rhoIn, from: rhoOut)
                    runResiduals = []; runEnergyChanges = []; runEigensolverIterations = []
                    continue
                }
            }
            let stopped = interrupted || (!done && (shouldStop?() ?? false))
            let stall = done || stopped ? nil : try stalled(residuals: runResiduals, energyChanges: runEnergyChanges,
                                                            eigensolverIterations: runEigensolverIterations)
            if done || stopped || stall != nil || iteration >= parameters.maxIterations {
                try sharing?.end()
                sharing = nil
                // the gap of the doubly occupied bands; with spin polarisation not defined that way
                let gap = basis.spinChannels == 1
                    ? BandGap.find(eigenvalues: eigenvalues, kpoints: basis.kpoints.map(\.kpoint.reduced), electrons: nel) : nil
                var bandEnergy = 0.0
                for (k, e) in eigenvalues.enumerated() { for (n, x) in e.enumerated() { bandEnergy += weights[k] * occ.values[k][n] * x } }
                var result = SCFResult(converged: done, iterations: iteration, terms: energies, fermiLevel: occ.fermiLevel,
                                 eigenvalues: eigenvalues, occupations: occ.values,
                                 kpoints: basis.kpoints.prefix(basis.irreducibleKPointCount).map(\.kpoint),
                                 gap: gap, bandEnergy: bandEnergy, history: history,
                                 planeWaves: basis.kpoints.map(\.count), fftGrid: basis.fftSize,
                                 xcGrid: terms.exchangeCorrelation.xcGrid.size, bands: bands,
                                 density: rhoOut, electrons: nel, stopped: stopped, spinChannels: basis.spinChannels,
                                 magnetization: magnetization(rhoOut), fermiLevels: occ.fermiLevels,
                                 atomicMoments: basis.spinChannels == 2
                                     ? MomentSpheres.integrate(density: rhoOut, grid: grid, crystal: basis.model.crystal,
                                                               radii: basis.model.momentSphereRadii) : nil)
                result.stall = stall
                result.bandBlock = eigensolver.lastBandBlock
                result.densitySlabPlanes = slabs?.planes
                result.densityTermSlabSteps = (densityStep as? SlabDensityStep)?.slabSteps
                // collective: `done` is the same on every process
                // the mixing history is not needed any more: its pages go back before the forces
                mixer.reset()
                HeapRelease.freePages()
                if done {
                    // the density terms' grid work on the slabs where the SCF evaluated them there
                    let slab = terms.evaluatesOnSlabs ? (densityStep as? SlabDensityStep)?.slab : nil
                    let start = DispatchTime.now().uptimeNanoseconds
                    result.forces = try forces(density: rhoOut, occupations: occ.values, slab: slab)
                    let middle = DispatchTime.now().uptimeNanoseconds
                    result.stress = try stress(density: rhoOut, occupations: occ.values, slab: slab)
                    result.forcesSeconds = Double(middle - start) * 1e-9
                    result.stressSeconds = Double(DispatchTime.now().uptimeNanoseconds - middle) * 1e-9
                }
                return result
            }
            densityStep.advance(rhoIn: &rhoIn, rhoOut: rhoOut)
        }
    }

    /// The density grid in slabs over the processes (`SlabDensityStep`) where `SCFParameters.densityGrid`
    /// asks for them, or nil. Slabs need one density channel and a preconditioner diagonal in G. Collective:
    /// the conditions are the same on every process.
    func makeDensitySlabs(preconditioner: MixingPreconditioner) throws -> DensitySlabs? {
        let layout = parameters.densityGrid
        guard layout == .slabs || (layout == .auto && grid.count >= DensityGridLayout.slabPoints) else { return nil }
        guard basis.spinChannels == 1, preconditioner.fourierFactor != nil else {
            if layout == .auto { return nil }
            throw InputError("scf.density_grid", "slabs need one spin channel and a mixing preconditioner diagonal in G "
                             + "(none, kerker or dielectric); use auto or whole")
        }
        return try distribution.makeDensitySlabs(size: grid.size)
    }

    /// `SCFConvergence.stall` on the steps of the current run, agreed by every process (collective): the
    /// residuals and energies are the same everywhere, the eigensolver's iteration counts are each
    /// process's own k-points', so the eigensolver counts as idle when it was on every process.
    func stalled(residuals: [Double], energyChanges: [Double], eigensolverIterations: [Int]) throws -> SCFStall? {
        guard convergence.residualStalled(residuals) else { return nil }
        var busy = [convergence.eigensolverIdle(eigensolverIterations) ? 0.0 : 1.0]
        if distribution.process.count > 1 { try distribution.sum(&busy) }
        return busy[0] > 0 ? nil : convergence.stallVerdict(residuals: residuals, energyChanges: energyChanges)
    }

    /// Adds `BandCountPolicy.grown` bands to the orbitals (random columns); false at the limit.
    func grow() -> Bool {
        let new = bandPolicy.grown(bands, limit: BandCountPolicy.limit(basis))
        if new == bands { return false }
        for (k, x) in orbitals {
            let extra = RandomOrbitals.block(rows: x.rows, cols: new - bands, seed: k &* 7919 &+ bands, kinetic: basis.kpoints[k].kinetic)
            orbitals[k] = .hstack([x, extra])
        }
        bands = new
        return true
    }

    /// Keeps `x` as the orbitals of k-point `k`. The eigensolver works in the block it was handed
    /// (`diagonalize`), so `x` is normally that block, back where the first step put it; a result made
    /// elsewhere (another process's, or after the bands grew) is copied into the block held already when
    /// it has the same shape, so that the kept orbitals stay put and the eigensolver's blocks of the next
    /// k-points reuse the same free heap (a new block per k-point and step would scatter the kept ones
    /// over the heap, whose resident size only grows: peak memory).
    func keepOrbitals(_ k: Int, _ x: ComplexMatrix) {
        guard orbitals[k].map({ $0.rows == x.rows && $0.cols == x.cols }) == true else { orbitals[k] = x; return }
        orbitals[k]!.storage.withUnsafeMutableBufferPointer { dst in
            x.storage.withUnsafeBufferPointer { src in dst.baseAddress!.update(from: src.baseAddress!, count: src.count) }
        }
    }

    /// The density symmetrised over the basis' operations; spin-polarised ρ and m each (the
    /// operations keep every atom's moment, `Model.symmetryTypes`, so m is a scalar under them).
    func symmetrize(_ rho: [Double]) -> [Double] {
        guard basis.spinChannels == 2 else { return symmetrization.symmetrize(rho, grid: grid) }
        let n = grid.count
        return symmetrization.symmetrize(Array(rho[0..<n]), grid: grid) + symmetrization.symmetrize(Array(rho[n...]), grid: grid)
    }

    /// Total and absolute magnetisation (μB per cell), ∫ m d³r and ∫ |m| d³r of (ρ, m) on the density
    /// grid; nil without spin polarisation.
    func magnetization(_ rho: [Double]) -> Magnetization? {
        guard basis.spinChannels == 2 else { return nil }
        let m = Array(rho[grid.count...])
        return Magnetization(total: grid.integrate(m), absolute: grid.integrate(m.map(abs)))
    }

    /// Diagonalises H[v] at every owned k-point (`KohnShamEigensolver.solveAll`) from the current
    /// orbitals, keeping the new ones; returns all eigenvalues and the largest iteration count.
    /// Spin-polarised, `v` is (V↑, V↓) and each k-point takes its channel's.
    func diagonalize(potential: [Double], tolerance: Double, maxIterations: Int, previous: [[Double]]?) throws -> ([[Double]], Int) {
        let bands = self.bands
        let n = grid.count
        let channels = basis.spinChannels == 1 ? [potential] : [Array(potential[0..<n]), Array(potential[n...])]
        var fourier: [[Complex64]?] = [nil, nil]
        let check: (() -> Bool)? = interrupt.map { interrupt in
            { [unowned self] in
                if !self.interruptedHere, interrupt() { self.interruptedHere = true }
                return self.interruptedHere
            }
        }
        let r = try eigensolver.solveAll(
            bands: bands, reported: bands, sharing: sharing, published: { self.orbitals[$0] },
            otherFailure: InputError("scf", "the eigensolver failed on another process"),
            solve: { k, initial in
                // `initial` becomes the only reference to the kept orbitals of k: the eigensolver works in
                // their block, without a copy, and `keep` stores the result back
                self.orbitals[k] = nil
                let spin = self.basis.kpoints[k].spin
                return try self.eigensolver.solve(k, potential: channels[spin], potentialFourier: &fourier[spin], initial: consume initial, bands: bands,
                                           tolerances: self.tolerancePolicy.bandTolerances(tolerance, bands: bands,
                                                                                          previousOccupations: previous?[k]),
                                           maxIterations: maxIterations, interrupted: check)
            },
            keep: { k, x, nonlocal in self.keepOrbitals(k, x); self.nonlocalEnergies[k] = nonlocal })
        kPointClock += r.solving
        reductionClock += r.summing
        return (r.eigenvalues, r.iterations)
    }
}
