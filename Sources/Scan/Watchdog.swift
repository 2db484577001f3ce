import Foundation
import Convergence

/// Rank 0's watchdog over the groups of ranks computing points: a group is armed when it is given
/// a point, shows progress with every SCF iteration (its leader's heartbeat messages, or rank 0's own
/// SCF), and is disarmed when its result arrives. An armed group that shows no progress for `limit`
/// seconds (a rank stopped with SIGSTOP, a hung rank, a lost node: its group waits in a collective
/// for ever) is declared stuck: `onStuck` runs once, on the watchdog's own thread, since rank 0's
/// main thread may itself be waiting in that group's collective. It is expected not to return
/// (`ScanRunner` records the point, writes the checkpoint and aborts the job with exit status 4).
///
/// A single SCF iteration longer than `limit` is taken for a hang: `resources.watchdog` must exceed
/// the longest iteration (and a point's set-up before its first one).
final class Watchdog: @unchecked Sendable {
    /// What an armed group is computing.
    struct Watch {
        var label: String
        var point: ScanPoint?
        var last: Date
    }

    let limit: Double
    /// The watch keys of the final point on the whole world and of rank 0 in a collective over the world.
    static let finalPoint = -1
    static let worldCollective = -2
    private let lock = NSLock()
    private var watched: [Int: Watch] = [:]
    private var fired = false
    private var running = true
    private let onStuck: (_ group: Int, _ watch: Watch, _ silentSeconds: Double) -> Void

    init(limit: Double, onStuck: @escaping (_ group: Int, _ watch: Watch, _ silentSeconds: Double) -> Void) {
        self.limit = limit
        self.onStuck = onStuck
        let thread = Thread { [weak self] in
            let period = max(0.05, min(1, limit / 20))
            while let dog = self, dog.check() { Thread.sleep(forTimeInterval: period) }
        }
        thread.name = "preconv-watchdog"
        thread.start()
    }

    /// One look at the armed groups; false once the watchdog ended (stopped or fired).
    private func check() -> Bool {
        lock.lock()
        guard running, !fired else { lock.unlock(); return false }
        let now = Date()
        let stuck = watched.first { now.timeIntervalSince($0.value.last) > limit }
        if stuck != nil { fired = true }
        lock.unlock()
        if let (g, w) = stuck {
            onStuck(g, w, now.timeIntervalSince(w.last))
            return false
        }
        return true
    }

    /// Group `g` starts computing `point` (described by `label` in the messages).
    func arm(_ g: Int, label: String, point: ScanPoint?) {
        lock.lock(); watched[g] = Watch(label: label, point: point, last: Date()); lock.unlock()
    }

    /// Group `g` made progress.
    func beat(_ g: Int) {
        lock.lock(); watched[g]?.last = Date(); lock.unlock()
    }

    /// Group `g` finished its point (or is idle).
    func disarm(_ g: Int) {
        lock.lock(); watched.removeValue(forKey: g); lock.unlock()
    }

    /// Ends the watchdog's thread (at the end of the run).
    func stop() {
        lock.lock(); running = false; lock.unlock()
    }
}
