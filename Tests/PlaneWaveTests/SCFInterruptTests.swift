import Bindings
import Testing
import Foundation
@testable import PlaneWave

@Suite("SCF interruption")
struct SCFInterruptTests {
    /// `SCF.interrupt` (a point's deadline) is asked inside the iterations, between LOBPCG's own
    /// iterations: answering true from the third SCF iteration on ends that iteration's
    /// diagonalisation before its first LOBPCG iteration at every k-point, and the SCF there, stopped
    /// and not converged. The same SCF without it converges (Si LDA, 8 Ha, 2×2×2).
    @Test("an interrupt ends the eigensolver and the SCF within the iteration")
    func interruptInsideAnIteration() throws {
        let (basis, p) = try setUp(small("Si_LDA_cp2kpade_ec10", ecut: 8, kmesh: [2, 2, 2]))
        let reference = try SCF(basis: basis, parameters: p).run()
        #expect(reference.converged && reference.iterations > 3)

        let scf = try SCF(basis: basis, parameters: p)
        var finished = 0
        var asked = [0, 0, 0]   // by the iteration in progress (1, 2, 3…)
        scf.observer = { _ in finished += 1 }
        scf.interrupt = {
            asked[min(finished, 2)] += 1
            return finished >= 2
        }
        let r = try scf.run()
        #expect(r.stopped && !r.converged && r.iterations == 3, "stopped \(r.stopped), \(r.iterations) iterations")
        #expect(r.history.last?.eigensolverIterations == 0, "LOBPCG went on: \(r.history.last?.eigensolverIterations ?? -1) iterations")
        // more than once per iteration: between LOBPCG iterations, not only after the diagonalisation
        #expect(asked[0] > 2 && asked[1] > 2, "asked \(asked)")
        #expect(abs(r.freeEnergy - reference.freeEnergy) < 0.1, "F \(r.freeEnergy) vs \(reference.freeEnergy)")
    }
}
