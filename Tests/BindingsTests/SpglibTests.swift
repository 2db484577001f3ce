import Bindings
import Testing

extension Bindings {
    @Suite struct Symmetry {
        static let a = 5.653
        static let lattice = [SIMD3(0, a / 2, a / 2), SIMD3(a / 2, 0, a / 2), SIMD3(a / 2, a / 2, 0)]
        static let positions = [SIMD3<Double>(0, 0, 0), SIMD3(0.25, 0.25, 0.25)]

        @Test func zincblendeGaAsIsF43m() throws {
            let group = try #require(Spglib.spaceGroup(lattice: Self.lattice, positions: Self.positions, types: [31, 33]))
            #expect(group.number == 216)
            #expect(group.international == "F-43m")
            #expect(group.rotations.count == 24)
            #expect(group.translations.count == 24)
        }

        @Test(arguments: [(true, 29), (false, 43)])
        func irreducibleMeshOf8x8x8(timeReversal: Bool, expected: Int) {
            let mesh = Spglib.irreducibleMesh(mesh: [8, 8, 8], shift: [0, 0, 0], timeReversal: timeReversal,
                                              lattice: Self.lattice, positions: Self.positions, types: [31, 33])
            #expect(mesh.points.count == expected)
            #expect(mesh.multiplicities.reduce(0, +) == 512)
            #expect(mesh.meshSize == 512)
            #expect(mesh.points[0] == SIMD3(0, 0, 0))       // Γ, weight 1
            #expect(mesh.multiplicities[0] == 1)
        }

        @Test func diamondWithEqualSpeciesIsFd3m() throws {
            let group = try #require(Spglib.spaceGroup(lattice: Self.lattice, positions: Self.positions, types: [14, 14]))
            #expect(group.number == 227)
            #expect(group.rotations.count == 48)
        }
    }
}
