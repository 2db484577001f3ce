import Foundation
import Testing

/// ScaLAPACK (pzheevd) against LAPACK (zheevd) on several BLACS grids: each needs its own rank
/// count, so the doctor's eigensolver check runs under mpirun with the grid chosen explicitly.
@Suite(.serialized) struct ScaLAPACKGrids {
    @Test(arguments: [(1, 1), (1, 2), (2, 1), (2, 2)])
    func eigenvaluesMatchLAPACK(rows: Int, cols: Int) throws {
        let run = try Preconv.run(ranks: rows * cols,
                                  ["doctor", "--json", "--only", "scalapack", "--scalapack-grid", "\(rows)x\(cols)"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let line = try #require(try CheckLine.parse(run.stdout).first)
        #expect(line.name == "scalapack" && line.status == "PASS")
        #expect(line.value.hasPrefix("grid \(rows)x\(cols), n=200, nb=32"), "\(line.value)")
        // the measured deviation itself, not only the verdict
        let delta = try #require(line.value.split(separator: "=").last?.split(separator: " ").first.flatMap { Double($0) })
        #expect(delta < 1e-10)
    }
}
