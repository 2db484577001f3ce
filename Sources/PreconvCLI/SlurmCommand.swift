import Bindings
import ArgumentParser
import Foundation
import Parallel
import Scan
import Slurm
import Doctor
import Reporting
import RunStore
import Convergence
import Input
import ParallelSCF

/// `preconv-mpi slurm`: renders the Slurm job scripts of a scan into its run directory and prints
/// (or, with --submit, runs) the sbatch commands.
struct SlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Write Slurm job scripts for a scan into its run directory (and submit them with --submit).",
        discussion: "Without --array: job-single.sbatch (the whole scan in one allocation, srun --mpi=pmix or mpirun). "
            + "With --array (grid scans): job-array.sbatch (shard I of N per array task, in <run-dir>/shard-I-of-N) and "
            + "job-collect.sbatch (merges the shards after the array, --dependency=afterany). Both: job-rerun-failed.sbatch. "
            + "Time and memory come from the scan's cost model (conservative; at least 1 minute). Before the time limit "
            + "the job gets SIGUSR1, the run checkpoints and stops (exit 3) and the job requeues itself; submitting it again "
            + "resumes. Names go into #SBATCH lines and must be [A-Za-z0-9._-]+; paths are single-quoted. "
            + "Exit status: 0 written (and submitted), 1 sbatch failed, 2 bad input.")

    @Argument(help: "The scan config (e.g. config/gaas-fast.yaml).")
    var config: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config field (repeatable); the jobs get the same overrides.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Nodes per job.")
    var nodes = 1

    @Option(help: "MPI ranks per node.")
    var ntasksPerNode = 4

    @Option(help: ArgumentHelp("Time limit per job in a Slurm format (minutes, HH:MM:SS, D-HH:MM); default: the cost-model estimate.", valueName: "time"))
    var time: String?

    @Option(help: "Slurm partition (letters, digits, '.', '_', '-'; several separated by commas).")
    var partition: String?

    @Option(help: "Slurm account to charge.")
    var account: String?

    @Option(help: ArgumentHelp("Mail address for the jobs' notifications (default: the config's resources.mail.user).", valueName: "address"))
    var mailUser: String?

    @Option(help: ArgumentHelp("When Slurm mails, e.g. END,FAIL or ALL (default: resources.mail.type, else END,FAIL with a user).", valueName: "types"))
    var mailType: String?

    @Flag(help: "A job array, one shard of the scan per task (grid scans), and a collect job after it.")
    var array = false

    @Option(help: "Array tasks (shards) with --array (default: the points, at most 4).")
    var shards: Int?

    @Option(help: "Job name (default: the config's name).")
    var jobName: String?

    @Option(help: "How the ranks are started: srun (srun --mpi=pmix) or mpirun.")
    var launcher = "srun"

    @Option(help: "How often a job stopped before its time limit requeues itself.")
    var maxRequeues = 3

    @Option(help: ArgumentHelp("Seconds between the SIGUSR1 warning and the time limit (default: from the estimate).", valueName: "seconds"))
    var signalMargin: Int?

    @Option(help: ArgumentHelp("The preconv-mpi the jobs run, an absolute path (default: this one).", valueName: "path"))
    var binary: String?

    @Option(help: ArgumentHelp("Directory of the job templates (default: slurm/ of the source tree).", valueName: "dir"))
    var templates: String?

    @Flag(help: "Submit the jobs with sbatch and print their job ids.")
    var submit = false

    func run() throws {
        let world = Communicator.world
        guard world.isRoot else { return }
        let console = Console(world: world)
        guard let launch = SlurmJobs.Launcher(rawValue: launcher) else {
            throw InputError("--launcher '\(launcher)': expected srun or mpirun")
        }
        let cfg: ScanConfig
        do {
            cfg = try ScanConfig.load(path: config, overrides: overrides)
        } catch let e as ScanConfigErrors {
            for line in e.errors { console.error("error: \(line)") }
            throw ExitCode(2)
        }
        var options = SlurmJobs.Options()
        options.nodes = nodes
        options.ntasksPerNode = ntasksPerNode
        options.time = time
        options.partition = partition
        options.account = account
        options.mailUser = mailUser
        options.mailType = mailType
        options.array = array
        options.shards = shards
        options.jobName = jobName
        options.launcher = launch
        options.maxRequeues = maxRequeues
        options.signalMargin = signalMargin
        options.binary = binary
        options.templates = templates
        let jobs: SlurmJobs
        let paths: [String]
        do {
            jobs = try SlurmJobs(config: cfg, configPath: config, overrides: overrides, options: options)
            paths = try jobs.write()
        } catch let e as RunError {
            throw InputError(e.message)
        }
        console.print("\(cfg.base.name): \(jobs.estimate.summary(ranks: jobs.ranks))")
        console.print("job: \(jobs.jobName), \(jobs.options.nodes) node(s) × \(jobs.options.ntasksPerNode) rank(s)"
                      + (array ? ", \(jobs.shards) array task(s)" : "")
                      + ", --time=\(SlurmTime.format(seconds: jobs.timeLimit)), --mem=\(jobs.estimate.memoryPerNodeMiB)M, "
                      + "SIGUSR1 \(jobs.signalSeconds) s before the limit, launcher \(launch.rawValue)")
        for n in jobs.notes { console.error("warning: \(n)") }
        for p in paths { console.print("wrote \(p)") }
        if !submit {
            console.print("submit with:")
            for c in jobs.commands { console.print("  \(c)") }
            return
        }
        do {
            for (script, id) in try jobs.submit() {
                console.print("submitted \(script): job \(id)")
            }
        } catch let e as RunError {
            console.error("error: \(e.message)")
            throw ExitCode(1)
        }
    }
}
