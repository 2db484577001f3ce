import Bindings
import Foundation
import Convergence
import Input
import Parallel
import ParallelSCF
import PlaneWave
import RunStore

/// The limits a point of a run computes under, scan points and the final point alike:
/// - a wall-time deadline, `timeout` seconds after the point started (`resources.timeout`,
///   `point_overrides`), checked on each rank inside the SCF iterations (`SCF.interrupt`: between the
///   eigensolver's iterations, agreed by the group after each diagonalisation) and, agreed, between them;
/// - the run's `StopFlag` (SIGUSR1/SIGTERM), checked with the deadline (inside and between iterations);
/// - one retry with half the mixing damping (at least 0.05) when the SCF ends unconverged (`retry`),
///   not when it stalled (`SCFStall`: the error names the tolerance out of reach instead).
/// Every rank of the group ends the point at the same iteration, so none is left in a collective.
/// The status: converged, `timeout` (the deadline), `interrupted` (the stop flag: recomputed when the
/// run resumes), or `unconverged`.
public struct PointLimits {
    public var timeout: Double
    public var retry: Bool
    public let stop: StopFlag
    /// Test hook: the point hangs inside its second SCF iteration, on the last rank of its group,
    /// until its deadline or a stop signal (set from `PRECONV_TEST_HANG_POINT` by `hangs(_:)`).
    public var hang = false
    /// Called on this rank after every SCF iteration (the watchdog's heartbeat).
    public var progress: (() -> Void)?
    /// Called on this rank when the SCF attempts are over (however they ended).
    public var finished: (() -> Void)?

    public init(timeout: Double, retry: Bool, stop: StopFlag, hang: Bool = false) {
        self.timeout = timeout; self.retry = retry; self.stop = stop; self.hang = hang
    }

    /// Test hook `PRECONV_TEST_HANG_POINT=<text>`: whether the point `id` (e.g. "cutoff/ecut=12Ha,k=2x2x2",
    /// "final/…") contains the text and is to hang.
    public static func hangs(_ id: String) -> Bool {
        guard let text = ProcessInfo.processInfo.environment["PRECONV_TEST_HANG_POINT"], !text.isEmpty else { return false }
        return id.contains(text)
    }

    public struct Outcome {
        public var result: SCFResult?
        public var status: PointRecord.Status
        public var error: String?
        /// SCF iterations of every attempt.
        public var iterations: Int
    }

    /// Runs the SCF of `calc` (on every rank of its group) from `started` on. Errors are thrown;
    /// an error on some ranks only is the caller's to agree on.
    public func run(_ calc: PointCalculation, parameters: SCFParameters, started: Date,
                    observer: ((SCFStep) -> Void)? = nil) throws -> Outcome {
        defer { finished?() }
        let group = calc.group
        let deadline = started.addingTimeInterval(timeout)
        let stop = self.stop
        let progress = self.progress
        let hangs = hang && group.rank == group.size - 1
        var completed = 0
        let interrupt: () -> Bool = {
            if hangs && completed >= 1 {
                while Date() < deadline && !stop.isSet { usleep(20_000) }
            }
            return Date() > deadline || stop.isSet
        }
        func attempt(_ p: SCFParameters) throws -> SCFResult {
            completed = 0
            return try calc.run(parameters: p, observer: { step in
                completed += 1
                progress?()
                observer?(step)
            }, shouldStop: {
                var verdict = [Date() > deadline || stop.isSet ? 1.0 : 0.0]
                try? group.allreduce(&verdict, .max)
                return verdict[0] != 0
            }, interrupt: interrupt).result
        }
        var r = try attempt(parameters)
        var iterations = r.iterations
        var retried = false
        let damping = max(0.05, parameters.mixingDamping / 2)
        // a stalled SCF (`SCFStall`) has reached what its map allows: smaller mixing steps would stall the same way
        if !r.converged && !r.stopped && r.stall == nil && retry {
            var conservative = parameters
            conservative.mixingDamping = damping
            retried = true
            r = try attempt(conservative)
            iterations += r.iterations
        }
        if r.converged { return Outcome(result: r, status: .converged, error: nil, iterations: iterations) }
        if r.stopped {
            // a stop signal on any rank makes it `interrupted` (recomputed on resume), else the deadline
            var signalled = [stop.isSet ? 1.0 : 0.0]
            try group.allreduce(&signalled, .max)
            if signalled[0] != 0 {
                return Outcome(result: r, status: .interrupted, error: "interrupted after \(r.iterations) SCF iterations", iterations: iterations)
            }
            return Outcome(result: r, status: .timeout,
                           error: String(format: "exceeded the %@ s time limit after %d SCF iterations", formatNumber(timeout), iterations),
                           iterations: iterations)
        }
        if let stall = r.stall {
            return Outcome(result: r, status: .unconverged, error: "not converged: \(stall.message) (after \(r.iterations) SCF iterations)",
                           iterations: iterations)
        }
        return Outcome(result: r, status: .unconverged,
                       error: "not converged after \(r.iterations) SCF iterations (scf.max_iterations \(parameters.maxIterations))"
                           + (retried ? ", also with mixing damping \(formatNumber(damping))" : ""),
                       iterations: iterations)
    }
}
