import Foundation
import Parallel

/// Output from rank 0 only (other ranks' output would interleave arbitrarily).
struct Console {
    let world: Communicator

    func print(_ text: String) {
        guard world.isRoot else { return }
        Swift.print(text)
    }

    func error(_ text: String, everyRank: Bool = false) {
        guard world.isRoot || everyRank else { return }
        let prefix = world.isRoot || world.size == 1 ? "" : "rank \(world.rank): "
        FileHandle.standardError.write(Data((prefix + text + "\n").utf8))
    }
}
