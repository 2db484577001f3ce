import Bindings
import Foundation
import Numerics

/// The self-consistent field loop, a fixed-point map ρ_in ↦ ρ_out[ρ_in] accelerated by mixing:
/// build V[ρ_in], diagonalise H at every owned k-point (from the previous orbitals, or from
/// `SubspaceStart` at first, with a tolerance that tightens with the density residual), occupy,
/// form ρ_out, evaluate the energy from the orbitals and ρ_out, mix. Converged when |ΔF| and
/// ‖ρ_out − ρ_in‖ are below their tolerances.
public final class SCF {
    public let basis: PlaneWaveBasis
    public let parameters: SCFParameters
    let distribution: KPointDistribution
    let grid: FourierGrid
    let local: LocalPseudopotential
    let hartree: Hartree
    let xc: ExchangeCorrelation
    let symmetrization: Symmetrization
    /// ⟨ψ_nk|V_NL|ψ_nk⟩ of the current orbitals of each owned k-point, from their diagonalisation.
    /// The projectors themselves are rebuilt per k-point and step (`NonlocalProjectors` is cheap to
    /// build), not stored: for 29 k-points at 25 Ha they would be 24 MB, three times the orbitals.
    var nonlocalEnergies: [Int: [Double]] = [:]
    /// Seconds spent on the owned k-points (eigensolver, density) and in the process sums, for `SCFStep`.
    var kPointClock = 0.0, reductionClock = 0.0
    /// Sphere-pruned wave-function FFTs (shared by all k-points) and each owned k-point's layout.
    let wavefunctionFFT: WavefunctionFFT
    var sphereLayouts: [Int: SphereFFTLayout]
    /// Work stealing among the processes during `run` (nil: each computes its own k-points).
    var sharing: KPointSharing? = nil
    let ewald: Double
    let pspCore: Double
    public private(set) var bands: Int
    /// Orbitals of the owned k-points (plane waves × bands); after `run`, the converged ones.
    public internal(set) var orbitals: [Int: ComplexMatrix] = [:]
    /// Called on every process after each iteration.
    public var observer: ((SCFStep) -> Void)?
    /// Checked after each iteration (on every process; its answer must be the same on all of them):
    /// true ends the loop with `SCFResult.stopped` set, e.g. for a time limit or a signal.
    public var shouldStop: (() -> Bool)?

    public init(basis: PlaneWaveBasis, parameters: SCFParameters, distribution: KPointDistribution = SerialKPoints()) throws {
        self.basis = basis
        self.parameters = try parameters.validated()
        self.distribution = distribution
        grid = FourierGrid(basis: basis)
        local = LocalPseudopotential(grid: grid)
        hartree = Hartree(grid: grid)
        xc = try ExchangeCorrelation(grid: grid, functional: basis.model.functional)
        symmetrization = Symmetrization(grid: grid)
        wavefunctionFFT = WavefunctionFFT(basis: basis)
        var layouts: [Int: SphereFFTLayout] = [:]
        for k in basis.kpoints.indices where distribution.owns(k) {
            layouts[k] = wavefunctionFFT.layout(for: basis.kpoints[k])
        }
        sphereLayouts = layouts
        ewald = Ewald.energy(model: basis.model)
        pspCore = PseudopotentialCore.energy(model: basis.model)
        bands = SCF.automaticBands(for: basis)
    }

    /// The starting band count when the config does not fix it: the occupied states plus some empty
    /// ones (more with smearing; grown during the SCF while the top band is occupied), at most the
    /// smallest k-point basis. Cheap: for cost models that must not build an SCF.
    public static func automaticBands(for basis: PlaneWaveBasis) -> Int {
        let nocc = (basis.model.electronCount + 1) / 2
        let minPW = basis.kpoints.map(\.count).min() ?? 0
        return min(automaticBands(occupied: nocc, smearing: basis.model.smearing), minPW)
    }

    /// Sets the number of bands (validated against the occupied states and the basis size).
    public func setBands(_ n: Int) throws {
        let nocc = (basis.model.electronCount + 1) / 2
        guard n >= nocc else { throw InputError("bands", "\(n) bands are fewer than the \(nocc) occupied states") }
        let minPW = basis.kpoints.map(\.count).min() ?? 0
        guard n <= minPW else { throw InputError("bands", "\(n) bands exceed the \(minPW) plane waves of the smallest k-point basis") }
        bands = n
        orbitals.removeAll()
    }

    static func automaticBands(occupied: Int, smearing: Smearing) -> Int {
        if case .none = smearing { return occupied + max(2, occupied / 4) }
        return occupied + max(6, Int((Double(occupied) * 0.25).rounded(.up)))
    }

    /// Superposition of Gaussian atomic charges, ρ_G = (1/Ω) Σ_a Z_a e^{−G²s²/2} e^{−iG·τ_a}.
    public func initialDensity() -> [Double] { SCF.initialDensity(basis: basis, grid: grid) }

    /// `initialDensity()` without building an SCF.
    public static func initialDensity(basis: PlaneWaveBasis, grid: FourierGrid) -> [Double] {
        let s = 1.2
        var rhoG = [Complex64](repeating: .zero, count: grid.count)
        for (i, m) in basis.gridMillers.enumerated() {
            let g2 = basis.gridG2[i]
            var v = Complex64.zero
            for atom in basis.model.crystal.atoms {
                let z = Double(basis.model.pseudopotentials[atom.species]!.zion)
                let phase = -2 * Double.pi * (Double(m.x) * atom.position.x + Double(m.y) * atom.position.y + Double(m.z) * atom.position.z)
                v += Complex64(cos(phase), sin(phase)) * (z * exp(-g2 * s * s / 2))
            }
            rhoG[i] = v * (1 / basis.volume)
        }
        return grid.real(rhoG)
    }

    /// Residual tolerance of the eigensolver relative to the density residual ‖ρ_out − ρ_in‖ of the
    /// previous step: orbital errors δψ ≈ r/Δε then stay below the density's own error. On the GaAs
    /// engine benchmark 0.1 needs 17 % fewer operator applications than 0.02 in the same 8 SCF steps
    /// (F equal to 1e-10 Ha); 0.05 and 0.2 each took one SCF step more.
    static let diagonalizationRatio = 0.1

    /// Runs the SCF from `startDensity` (or the atomic guess). Non-convergence is a status, not an error.
    /// `startOrbitals` (by k-point index: this basis' plane waves × any number of bands, e.g. a similar
    /// calculation's converged ones) start the eigensolver of the owned k-points near the answer.
    public func run(startDensity: [Double]? = nil, startOrbitals: [Int: ComplexMatrix] = [:]) throws -> SCFResult {
        let nel = basis.model.electronCount
        let mixer = AndersonMixing(grid: grid, damping: parameters.mixingDamping, history: parameters.mixingHistory,
                                   kerker: parameters.kerkerWavevector)
        adoptOrbitals(startOrbitals)
        sharing = try distribution.makeSharing(planeWaves: basis.kpoints.map(\.count))
        if sharing != nil {
            for k in basis.kpoints.indices where sphereLayouts[k] == nil { sphereLayouts[k] = wavefunctionFFT.layout(for: basis.kpoints[k]) }
        }
        var rhoIn = startDensity ?? initialDensity()
        guard rhoIn.count == grid.count else { throw InputError("start_density", "has \(rhoIn.count) points, the grid \(grid.count)") }
        var history: [SCFStep] = []
        var previousF = Double.nan
        var residual = 1.0
        var smallChanges = 0
        var bandIncreases = 0
        var iteration = 0
        var previousOccupations: [[Double]]? = nil
        // With several processes, one evaluates the energy of ρ_out while another mixes and builds the
        // next potential (used only if the SCF goes on); one sum hands both to everybody.
        let (rank, processes) = distribution.process
        // the heavier task (mixing and potential) to the least loaded process, the energies to the next
        let byLoad = distribution.processLoads.indices.sorted {
            (distribution.processLoads[$0], $0) < (distribution.processLoads[$1], $1)
        }
        let mixingProcess = byLoad[0], energyProcess = byLoad[min(1, processes - 1)]
        var v: [Double] = []
        while true {
            iteration += 1
            let t0 = Date()
            kPointClock = 0; reductionClock = 0
            if iteration == 1 || processes == 1 { v = potential(rhoIn) }
            // A guessed density only needs rough orbitals; a supplied (warm-start) density is already
            // close to self-consistent, so a loose first diagonalisation would spoil it.
            let firstTolerance = startDensity == nil ? 1e-2 : 1e-5
            let tolerance = iteration == 1 ? firstTolerance : min(1e-2, max(1e-9, SCF.diagonalizationRatio * residual))
            let (eigenvalues, diagIterations) = try diagonalize(potential: v, tolerance: tolerance,
                                                               maxIterations: iteration == 1 ? 60 : 30,
                                                               previous: previousOccupations)
            let weights = basis.kpoints.map(\.kpoint.weight)
            let occ = try Occupations.compute(eigenvalues: eigenvalues, weights: weights, electrons: nel, smearing: basis.model.smearing)
            previousOccupations = occ.values
            var (rhoOut, kinetic, nonlocalE) = try density(occupations: occ.values)
            rhoOut = symmetrization.symmetrize(rhoOut, grid: grid)
            var terms = EnergyTerms()
            terms.kinetic = kinetic
            terms.nonlocalPsp = nonlocalE
            terms.ewald = ewald
            terms.pspCore = pspCore
            terms.entropy = occ.entropyTerm
            if processes == 1 {
                (terms.localPsp, terms.hartree, terms.xc) = densityEnergies(rhoOut)
                residual = residualNorm(rhoOut, rhoIn)
            } else {
                var shared = [Double](repeating: 0, count: 4 + grid.count)
                if rank == energyProcess { (shared[0], shared[1], shared[2]) = densityEnergies(rhoOut) }
                if rank == mixingProcess {
                    shared[3] = residualNorm(rhoOut, rhoIn)
                    rhoIn = mixer.next(input: rhoIn, output: rhoOut)
                    let next = potential(rhoIn)
                    for i in 0..<grid.count { shared[4 + i] = next[i] }
                }
                let summing = Date()
                try distribution.sum(&shared)
                reductionClock += Date().timeIntervalSince(summing)
                (terms.localPsp, terms.hartree, terms.xc, residual) = (shared[0], shared[1], shared[2], shared[3])
                v = Array(shared[4...])
            }
            let f = terms.freeEnergy
            let change = previousF.isNaN ? f : f - previousF
            previousF = f
            let step = SCFStep(iteration: iteration, freeEnergy: f, energyChange: change, densityResidual: residual,
                               eigensolverIterations: diagIterations, seconds: Date().timeIntervalSince(t0),
                               kPointSeconds: kPointClock, reductionSeconds: reductionClock)
            history.append(step)
            observer?(step)
            smallChanges = abs(change) < parameters.energyTolerance ? smallChanges + 1 : 0
            var done = smallChanges >= 1 && residual < parameters.densityTolerance && iteration > 1
            if basis.model.smearing != .none, iteration > 1, bandIncreases < 6, topBandOccupation(occ) > 1e-8 {
                // not enough empty bands: add some and go on from the current density
                let before = bands
                grow()
                if bands > before {
                    bandIncreases += 1
                    previousOccupations = nil
                    done = false
                    smallChanges = 0
                }
            }
            let stopped = !done && (shouldStop?() ?? false)
            if done || stopped || iteration >= parameters.maxIterations {
                try sharing?.end()
                sharing = nil
                let gap = BandGap.find(eigenvalues: eigenvalues, kpoints: basis.kpoints.map(\.kpoint.reduced), electrons: nel)
                var bandEnergy = 0.0
                for (k, e) in eigenvalues.enumerated() { for (n, x) in e.enumerated() { bandEnergy += weights[k] * occ.values[k][n] * x } }
                return SCFResult(converged: done, iterations: iteration, terms: terms, fermiLevel: occ.fermiLevel,
                                 eigenvalues: eigenvalues, occupations: occ.values, kpoints: basis.kpoints.map(\.kpoint),
                                 gap: gap, bandEnergy: bandEnergy, history: history,
                                 planeWaves: basis.kpoints.map(\.count), fftGrid: basis.fftSize, bands: bands,
                                 density: rhoOut, electrons: nel, stopped: stopped)
            }
            if processes == 1 { rhoIn = mixer.next(input: rhoIn, output: rhoOut) }
        }
    }

    /// V_loc + V_H[ρ] + V_xc[ρ] on the grid.
    func potential(_ rho: [Double]) -> [Double] {
        let vloc = local.potential
        let (_, vh) = hartree.energyAndPotential(rho)
        let (_, vxc) = xc.energyAndPotential(rho)
        var v = [Double](repeating: 0, count: grid.count)
        for i in 0..<grid.count { v[i] = vloc[i] + vh[i] + vxc[i] }
        return v
    }

    /// The energy terms that depend on the density alone: local pseudopotential, Hartree, XC.
    func densityEnergies(_ rho: [Double]) -> (local: Double, hartree: Double, xc: Double) {
        (local.energy(rho), hartree.energy(rho), xc.energy(rho))
    }

    /// ‖ρ_out − ρ_in‖ = (∫ |ρ_out − ρ_in|² d³r)^½.
    func residualNorm(_ rhoOut: [Double], _ rhoIn: [Double]) -> Double {
        var d2 = 0.0
        for i in 0..<grid.count { let d = rhoOut[i] - rhoIn[i]; d2 += d * d }
        return (d2 * basis.volume / Double(grid.count)).squareRoot()
    }

    func topBandOccupation(_ occ: Occupations) -> Double {
        occ.values.map { ($0.last ?? 0) / 2 }.max() ?? 0
    }

    func grow() {
        let minPW = basis.kpoints.map(\.count).min() ?? 0
        let new = min(minPW, bands + max(2, bands / 4))
        if new == bands { return }
        for (k, x) in orbitals {
            let extra = randomBlock(rows: x.rows, cols: new - bands, seed: k &* 7919 &+ bands, kinetic: basis.kpoints[k].kinetic)
            orbitals[k] = .hstack([x, extra])
        }
        bands = new
    }

    /// Diagonalises every owned k-point; returns all eigenvalues (summed over processes) and the
    /// largest number of eigensolver iterations. With work stealing (`KPointSharing`) a process that
    /// is done with its own k-points computes others' not yet started ones. A k-point that fails on
    /// one process is counted in the sum, so every process throws together instead of leaving the
    /// others waiting in it.
    func diagonalize(potential v: [Double], tolerance: Double, maxIterations: Int, previous: [[Double]]?) throws -> ([[Double]], Int) {
        let nk = basis.kpoints.count
        var flat = [Double](repeating: 0, count: nk * bands + 1)
        var iterations = 0
        var potentialFourier: [Complex64]? = nil
        var failure: Error? = nil
        let start = Date()
        func compute(_ k: Int, _ initial: ComplexMatrix?) -> (vectors: ComplexMatrix, nonlocal: [Double])? {
            do {
                let r = try solve(k, initial: initial, potential: v, potentialFourier: &potentialFourier,
                                  tolerance: tolerance, maxIterations: maxIterations, previous: previous)
                iterations = max(iterations, r.iterations)
                if (distribution.pool?.rank ?? 0) == 0 { for n in 0..<bands { flat[k * bands + n] = r.values[n] } }
                return (r.vectors, r.nonlocal)
            } catch {
                failure = failure ?? error
                flat[nk * bands] += 1
                return nil
            }
        }
        if let sharing {
            try sharing.begin(bands: bands) { self.orbitals[$0] }
            while failure == nil, let k = sharing.nextOwn() {
                if let r = compute(k, orbitals[k]) { orbitals[k] = r.vectors; nonlocalEnergies[k] = r.nonlocal }
            }
            while failure == nil, let (k, x) = sharing.steal() {
                if let r = compute(k, x) { sharing.deliver(k: k, orbitals: r.vectors, nonlocal: r.nonlocal) }
            }
        } else {
            for k in 0..<nk where distribution.owns(k) && failure == nil {
                if let r = compute(k, orbitals[k]) { orbitals[k] = r.vectors; nonlocalEnergies[k] = r.nonlocal }
            }
        }
        let solved = Date()
        kPointClock += solved.timeIntervalSince(start)
        try distribution.sum(&flat)
        reductionClock += Date().timeIntervalSince(solved)
        if flat[nk * bands] > 0 {
            throw failure ?? InputError("scf", "the eigensolver failed on another process")
        }
        for r in sharing?.collect() ?? [] { orbitals[r.k] = r.orbitals; nonlocalEnergies[r.k] = r.nonlocal }
        return ((0..<nk).map { k in Array(flat[(k * bands)..<((k + 1) * bands)]) }, iterations)
    }

    /// Lowest `bands` eigenpairs of H_k[v] from `initial` (nil: from the lowest plane waves), with
    /// ⟨ψ_n|V_NL|ψ_n⟩ and the eigensolver's iteration count.
    /// Bands whose previous occupation is below 1e-10 (per spin orbital) are converged to a residual
    /// of at most 1e-5 only: they carry no electrons, their eigenvalues are still accurate to ~1e-9.
    func solve(_ k: Int, initial: ComplexMatrix?, potential v: [Double], potentialFourier: inout [Complex64]?,
               tolerance: Double, maxIterations: Int, previous: [[Double]]?)
        throws -> (values: [Double], vectors: ComplexMatrix, nonlocal: [Double], iterations: Int) {
        let kb = basis.kpoints[k]
        let nl = NonlocalProjectors(kbasis: kb, model: basis.model)
        let h = Hamiltonian(kbasis: kb, potential: v, nonlocal: nl,
                            transform: wavefunctionFFT, layout: sphereLayouts[k]!)
        let values: [Double], vectors: ComplexMatrix, iterations: Int
        switch parameters.eigensolver {
        case .dense:
            if potentialFourier == nil { potentialFourier = grid.fourier(v) }
            let e: (values: [Double], vectors: ComplexMatrix)
            if let pool = distribution.pool {
                let vG = potentialFourier!
                let pd = nl.count > 0 ? multiply(.none, nl.projectors, .none, nl.coupling) : nil
                e = try pool.lowestEigenpairs(order: kb.count, count: bands) { i, j in
                    h.element(i, j, potentialFourier: vG, basis: basis, projectorsTimesCoupling: pd)
                }
            } else {
                let full = try hermitianEigen(h.matrix(potentialFourier: potentialFourier!, basis: basis))
                e = (Array(full.values.prefix(bands)), full.vectors.columns(0..<bands))
            }
            (values, vectors, iterations) = (e.values, e.vectors, 1)
        case .lobpcg:
            let x0: ComplexMatrix
            if let initial {
                x0 = initial
            } else {
                if potentialFourier == nil { potentialFourier = grid.fourier(v) }
                x0 = try SubspaceStart.orbitals(h, potentialFourier: potentialFourier!, basis: basis, bands: bands,
                                                noise: randomBlock(rows: kb.count, cols: bands, seed: k, kinetic: kb.kinetic))
            }
            let tpa = TPAPreconditioner(kinetic: kb.kinetic)
            let tolerances = (0..<bands).map { n -> Double in
                guard let occ = previous?[k], n < occ.count else { return tolerance }
                return occ[n] / 2 < 1e-10 ? max(tolerance, 1e-5) : tolerance
            }
            let pool = distribution.pool
            let apply: (ComplexMatrix) throws -> ComplexMatrix
            var eigen: LOBPCG.DenseEigen = { try hermitianEigen($0) }
            if let pool {
                apply = { x in try pool.mapColumns(x) { h.apply($0) } }
                eigen = { a in a.rows >= pool.distributedThreshold ? try pool.hermitianEigen(a) : try hermitianEigen(a) }
            } else {
                apply = { h.apply($0) }
            }
            let r = try LOBPCG.solve(apply: apply,
                                     precondition: { w, bands, x in tpa.apply(&w, bands: bands, current: x) },
                                     initial: x0, tolerances: tolerances, maxIterations: maxIterations, eigen: eigen)
            (values, vectors, iterations) = (r.values, r.vectors, r.iterations)
        }
        return (values, vectors, nl.expectation(vectors), iterations)
    }

    /// ρ(r) = Σ_k w_k Σ_n f_nk |ψ_nk(r)|² (before symmetrisation), with the kinetic and non-local
    /// energies of the same orbitals; all three summed over processes.
    func density(occupations: [[Double]]) throws -> ([Double], Double, Double) {
        let n = grid.count
        var rho = [Double](repeating: 0, count: n + 2)
        let pool = distribution.pool
        let start = Date()
        for (k, kb) in basis.kpoints.enumerated() where distribution.owns(k) {
            let x = orbitals[k]!
            let w = kb.kpoint.weight
            let kin = Kinetic.expectation(x, kbasis: kb)
            let vnl = nonlocalEnergies[k]!
            let layout = sphereLayouts[k]!
            let npw = kb.count
            rho.withUnsafeMutableBufferPointer { r in
                x.storage.withUnsafeBufferPointer { xs in
                    for b in 0..<bands where pool?.ownsBand(b) ?? true {
                        let f = occupations[k][b]
                        r[n] += w * f * kin[b]
                        r[n + 1] += w * f * vnl[b]
                        if f < 1e-14 { continue }
                        wavefunctionFFT.accumulateDensity(UnsafeBufferPointer(rebasing: xs[(b * npw)..<((b + 1) * npw)]),
                                                          layout: layout, weight: w * f / basis.volume, into: r)
                    }
                }
            }
        }
        let summing = Date()
        kPointClock += summing.timeIntervalSince(start)
        try distribution.sum(&rho)
        reductionClock += Date().timeIntervalSince(summing)
        let kinetic = rho[n], nonlocalE = rho[n + 1]
        rho.removeLast(2)
        return (rho, kinetic, nonlocalE)
    }

    /// Deterministic pseudo-random start vectors, damped at high kinetic energy.
    func randomBlock(rows: Int, cols: Int, seed: Int, kinetic: [Double]) -> ComplexMatrix {
        var state = UInt64(truncatingIfNeeded: seed) &* 0x9E3779B97F4A7C15 &+ 0x2545F4914F6CDD1D
        func next() -> Double {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return Double((state &* 0x2545F4914F6CDD1D) >> 11) / Double(1 << 53) - 0.5
        }
        return ComplexMatrix(rows: rows, cols: cols) { g, _ in Complex64(next(), next()) * (1 / (1 + kinetic[g])) }
    }
}
