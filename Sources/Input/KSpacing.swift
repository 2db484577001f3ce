import Bindings
import Foundation
import PlaneWave

/// k-point meshes given by a spacing Δk (the AiiDA `kpoints_distance` and VASP `KSPACING`
/// convention):
///
///     N_i = max(1, ⌈|b_i| / Δk⌉),   i = 1, 2, 3,
///
/// where b_i are the reciprocal lattice vectors *including* 2π (a_i · b_j = 2π δ_ij, `Lattice.reciprocal`),
/// so Δk is a length in reciprocal space (bohr⁻¹ here; 0.15 Å⁻¹ = 0.0794 bohr⁻¹). The mesh depends on
/// the cell: a smaller spacing or a larger cell gives more points. The ceiling is taken of
/// |b_i|/Δk · (1 − 1e-10), so that a ratio that is an integer up to round-off (e.g. 4.0000000000001)
/// does not jump to the next mesh.
public enum KSpacing {
    /// The largest mesh size per direction a spacing may give (as for explicit meshes).
    public static let maximumDivisions = 200

    /// The mesh N_1×N_2×N_3 of `spacing` (bohr⁻¹, positive) for `lattice`.
    public static func mesh(lattice: Lattice, spacing: Double) -> [Int] {
        lattice.reciprocal.map { b in
            max(1, Int((length(b) / spacing * (1 - 1e-10)).rounded(.up)))
        }
    }

    /// `mesh`, checked: every N_i at most `maximumDivisions`, else an error at `field` naming the spacing.
    public static func checkedMesh(lattice: Lattice, spacing: Quantity, field: String) throws -> [Int] {
        let m = mesh(lattice: lattice, spacing: spacing.value)
        if let n = m.max(), n > maximumDivisions {
            throw InputError(field, "k-point spacing \(spacing.text) gives a \(m.map(String.init).joined(separator: "x")) mesh for this cell; "
                             + "at most \(maximumDivisions) points per direction are allowed (use a larger spacing)")
        }
        return m
    }

    /// Parses a spacing: an inverse length with a unit (1/Å, Å⁻¹, 1/bohr, …), positive.
    /// Errors name `field`, the text and what is allowed.
    public static func parse(_ text: String, field: String) throws -> Quantity {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let (_, rest) = Quantity.splitNumber(t), rest.isEmpty {
            throw InputError(field, "k-point spacing '\(t)' needs a unit: \(Quantity.allowedUnits(.inverseLength)) (e.g. 0.15 1/Å)")
        }
        let q: Quantity
        do { q = try Quantity.parse(t, .inverseLength, field: field, defaultUnit: nil) } catch let e as InputError {
            throw InputError(field, "k-point spacing \(e.message)")
        }
        guard q.value > 0 else {
            throw InputError(field, "k-point spacing \(q.text) must be positive (e.g. 0.15 1/Å)")
        }
        return q
    }

    /// A spacing in Å⁻¹ (for messages and outputs).
    public static func perAngstrom(_ spacing: Double) -> Double { spacing * Units.angstrom }

    static func length(_ v: SIMD3<Double>) -> Double { (v * v).sum().squareRoot() }
}
