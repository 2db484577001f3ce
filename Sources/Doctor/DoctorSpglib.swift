import Bindings
import Parallel

/// spglib: zincblende GaAs must be F-43m (216) with 24 operations, and a Γ-centred 8×8×8 mesh
/// must reduce to 29 points with time reversal.
struct SpglibCheck: DoctorCheck {
    let name = "spglib"

    /// FCC primitive cell, a = 5.653 Å (rows are lattice vectors), Ga at 0, As at ¼¼¼.
    static let a = 5.653
    static let lattice = [SIMD3(0, a / 2, a / 2), SIMD3(a / 2, 0, a / 2), SIMD3(a / 2, a / 2, 0)]
    static let positions = [SIMD3<Double>(0, 0, 0), SIMD3(0.25, 0.25, 0.25)]
    static let types = [31, 33]

    func run(on comm: Communicator) throws -> DoctorResult {
        guard let group = Spglib.spaceGroup(lattice: Self.lattice, positions: Self.positions, types: Self.types) else {
            return fail("no space group", "spglib found no symmetry for GaAs: install spglib 2 (libsymspg-dev)")
        }
        let mesh = Spglib.irreducibleMesh(mesh: [8, 8, 8], shift: [0, 0, 0], timeReversal: true,
                                          lattice: Self.lattice, positions: Self.positions, types: Self.types)
        let weights = mesh.multiplicities.reduce(0, +)
        let value = "spglib \(Spglib.version): GaAs \(group.international) (\(group.number)), "
            + "\(group.rotations.count) operations, 8×8×8 → \(mesh.points.count) irreducible k-points"
        guard group.number == 216, group.rotations.count == 24, mesh.points.count == 29, weights == 512 else {
            return fail(value, "expected F-43m (216), 24 operations, 29 k-points: install spglib 2 (libsymspg-dev)")
        }
        return pass(value)
    }
}
