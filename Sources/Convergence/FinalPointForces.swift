import Foundation
import Input
import PlaneWave

/// The forces on the atoms at the final point (the recommended parameters), as `recommended.json`
/// and the report state them, with the check that the structure is relaxed: a largest |F_i| above
/// `threshold_Ha_per_bohr` (`analysis.force_warning`) means the internal coordinates are not at
/// equilibrium for this functional and these pseudopotentials, so the parameters were converged on
/// a structure that will move in production.
public struct FinalPointForces: Codable, Sendable, Equatable {
    /// Per atom in the structure's order: its element and Cartesian force (Ha/bohr).
    public struct AtomForce: Codable, Sendable, Equatable {
        /// 1-based, in the structure's order.
        public let atom: Int
        public let element: String
        public let force_Ha_per_bohr: [Double]
        public let magnitude_Ha_per_bohr: Double
    }
    public let point: String
    public let forces: [AtomForce]
    /// The atom with the largest |F| (1-based) and that |F| (Ha/bohr).
    public let largest_atom: Int
    public let largest_element: String
    public let largest_Ha_per_bohr: Double
    public let threshold_Ha_per_bohr: Double
    /// P = −tr σ/3 at the final point (GPa); nil without the stress.
    public let pressure_GPa: Double?
    /// The largest |F| is within the threshold.
    public var relaxed: Bool { largest_Ha_per_bohr <= threshold_Ha_per_bohr }

    /// From the final point's record and the elements of its atoms (the structure's order); nil when
    /// the record has no forces (not converged, or written before forces were recorded).
    public init?(record: PointRecord, elements: [String], threshold: Double) {
        guard let f = record.forces_Ha_per_bohr, f.count == elements.count, let largest = record.largestForce else { return nil }
        point = record.id
        var atoms: [AtomForce] = []
        for (i, v) in f.enumerated() {
            let magnitude: Double = v.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
            atoms.append(AtomForce(atom: i + 1, element: elements[i], force_Ha_per_bohr: v, magnitude_Ha_per_bohr: magnitude))
        }
        forces = atoms
        largest_atom = largest.atom + 1
        largest_element = elements[largest.atom]
        largest_Ha_per_bohr = largest.magnitude
        threshold_Ha_per_bohr = threshold
        pressure_GPa = record.pressure_GPa
    }

    /// The warning when the structure is not relaxed (nil when it is), naming the atom.
    public var warning: String? {
        relaxed ? nil : String(format: "structure not relaxed: the largest force at the final point is %.4g Ha/bohr (%.3g eV/Å) on atom %d (%@), "
                               + "above analysis.force_warning %@ Ha/bohr; relax the internal coordinates before converging for production",
                               largest_Ha_per_bohr, largest_Ha_per_bohr * Units.hartreeInEV * Units.angstrom, largest_atom, largest_element,
                               shortNumber(threshold_Ha_per_bohr))
    }

    /// One line for the log: `largest force 0.0191 Ha/bohr on atom 3 (N), P = 1.2 GPa`.
    public var text: String {
        String(format: "largest force %.4g Ha/bohr on atom %d (%@)", largest_Ha_per_bohr, largest_atom, largest_element)
            + (pressure_GPa.map { String(format: ", P = %.3f GPa", $0) } ?? "")
    }
}
