import ArgumentParser
import Foundation
import Parallel
import PlaneWave
import Scan
import Slurm
import Doctor
import Reporting
import RunStore
import Convergence
import Input
import ParallelSCF

/// `preconv-mpi scf`: one self-consistent calculation from a config, on every rank of mpirun.
struct SCFCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scf",
        abstract: "Run one self-consistent calculation (one point) from a config file.",
        discussion: "Values accept units: --ecut 25Ha | 50Ry | 680eV, --a 5.653Å | 10.68bohr. "
            + "Exit status: 0 converged, 1 not converged or failed, 2 bad input.")

    @Argument(help: "The YAML config (e.g. config/gaas-pbe.yaml); a scan config's stages, resources and output are ignored.")
    var config: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config field, e.g. --set basis.xc_grid=density (repeatable; before --ecut, --kmesh and --a).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Plane-wave cutoff, e.g. 25Ha or 50Ry (overrides basis.ecut).")
    var ecut: String?

    @Option(help: "k-point mesh, e.g. 4x4x4 (overrides basis.kmesh).")
    var kmesh: String?

    @Option(help: "Conventional lattice constant with a unit, e.g. 5.653Å (rescales the lattice).")
    var a: String?

    @Option(help: "Distribute dense eigenproblems of at least this order over multi-rank pools with ScaLAPACK.")
    var scalapackThreshold = 64

    @Option(help: ArgumentHelp("BLACS grid of every k-point pool, e.g. 2x2: pools of rows×cols ranks (default: one pool per k-point, "
                               + "most nearly square grids). 1x1 puts even one-rank pools' dense eigenproblems through ScaLAPACK.",
                               valueName: "RxC"),
            transform: GridShape.init(parsing:))
    var scalapackGrid: GridShape?

    @Flag(help: "Keep every k-point on its owner's rank (idle ranks normally take over k-points of busy ones).")
    var noWorkStealing = false

    @Flag(help: "Print one JSON object with the results.")
    var json = false

    @Flag(help: "Print the cost estimate, the communicator layout and every SCF iteration.")
    var verbose = false

    @Flag(help: "Start even when the estimated memory exceeds what this node has available.")
    var force = false

    func run() throws {
        let world = Communicator.world
        let console = Console(world: world)
        // read as a scan config: a one-point config is one, and a scan's own sections are then ignored
        let cfg = try ScanCLI.loadConfig(path: config, overrides: overrides, console: console).base
            .applying(ConfigOverrides(ecut: ecut, kmesh: kmesh, a: a))
        for w in cfg.warnings { console.error("warning: \(w)") }
        try checkCost(cfg, world: world, console: console)
        var options = PointCalculation.Options()
        options.scalapackThreshold = scalapackThreshold
        options.workStealing = !noWorkStealing
        options.scalapackGrid = scalapackGrid
        let calc = try PointCalculation(model: cfg.model, discretization: cfg.discretization, group: world, options: options)
        if verbose { console.print("layout: \(cfg.name) on \(world.size) rank(s)") }
        let progress: (SCFStep) -> Void = { s in
            let other = s.seconds - s.kPointSeconds - s.reductionSeconds
            console.print(String(format: "  SCF %3d  F = %.10f Ha  ΔF = %+.2e  ‖Δρ‖ = %.2e  eigensolver %2d  %.2f s", s.iteration,
                                 s.freeEnergy, s.energyChange, s.densityResidual, s.eigensolverIterations, s.seconds)
                          + String(format: " (k-points %.2f, sums %.2f, potential and mixing %.2f)", s.kPointSeconds, s.reductionSeconds, other))
        }
        let outcome = try calc.run(parameters: cfg.scf, observer: verbose ? progress : nil)
        // collective: every rank's peak resident memory so far, gathered on the printing rank
        let peaks = try world.gather(PeakMemory.mebibytes() ?? -1)
        let peakRSS = peaks.flatMap { p in p.allSatisfy { $0 >= 0 } ? p.map { ($0 * 10).rounded() / 10 } : nil }
        let report = PointReport(config: cfg, outcome: outcome, sharing: try calc.sharing(), peakRSS: peakRSS)
        console.print(json ? try report.json() : report.text)
        if !outcome.result.converged {
            console.error("error: " + (outcome.result.stall.map { "\($0.message) (after \(outcome.result.iterations) iterations)" }
                                       ?? "SCF not converged after \(outcome.result.iterations) iterations (scf.max_iterations)"))
            throw ExitCode(1)
        }
    }

    /// The cost check before any work (`ScanCostModel`): the point's estimated peak memory per rank
    /// times the ranks on this node against 90 % of the node's available memory (MemAvailable; the rest
    /// for the system and the estimate's error); refused with exit 2 unless `--force`. `--verbose`
    /// prints the estimate.
    func checkCost(_ cfg: Config, world: Communicator, console: Console) throws {
        let size = ScanCostModel.size(config: cfg, ecut: cfg.discretization.ecut, kmesh: cfg.discretization.kmesh, a: nil)
        let perRank = ScanCostModel.memoryPerRankMiB(size, groupSize: world.size)
        let seconds = ScanCostModel.seconds(cost: ScanCostModel.cost(of: size), groupSize: world.size)
        let layout = try NodeLayout(comm: world)
        let onNode = layout.nodes.map(\.ranks).max() ?? 1
        let point = "ecut \(formatNumber(cfg.discretization.ecut)) Ha, k-mesh \(cfg.discretization.kmesh.map(String.init).joined(separator: "x"))"
        if verbose {
            console.print("estimate: \(point) (\(PointCostCheck.sizeText(size))): about \(WallTime.text(seconds: seconds)) and "
                          + "\(PointCostCheck.mib(perRank)) per rank on \(world.size) rank(s)")
        }
        guard let available = NodeMemory.available() else { return }
        let need = perRank * Double(onNode)
        guard need * 1_048_576 > 0.9 * Double(available.bytes) else { return }
        let text = "\(point) (\(PointCostCheck.sizeText(size))): estimated peak memory \(PointCostCheck.mib(perRank)) per rank × "
            + "\(onNode) rank(s) on this node = \(PointCostCheck.mib(need)), more than 90 % of the \(available) available"
        if force {
            console.error("warning: \(text); starting anyway (--force)")
            return
        }
        console.error("error: \(text); nothing was computed (lower --ecut or --kmesh, use more nodes, or --force starts it anyway)")
        throw ExitCode(2)
    }
}
