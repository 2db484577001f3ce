import Foundation
import Input
import PlaneWave

/// Moment collapse: a point of a spin-polarised scan that converged to another magnetic state than
/// its neighbours along the stage's parameter (a low-spin or non-magnetic solution among
/// ferromagnetic ones, or the moment reversed). Neighbouring points differ in cutoff, k-mesh or
/// lattice constant only a little, so their moments per atom should be close; a jump of more than
/// `threshold` in |M| or in ∫|m| per atom, or a sign change of M (both |M| per atom above
/// `signFloor`), is flagged. A point that jumps against every neighbour is named alone; a jump
/// between two points that are each like their other neighbour names both.
public enum MomentCollapse {
    /// μB/atom.
    public static let threshold = 0.5
    /// |M| per atom (μB/atom) below which the sign of M is not compared.
    public static let signFloor = 0.1

    /// Warnings (one per collapsed point or jump) for `records` (converged, spin-polarised ones are
    /// compared; others are ignored) of a stage scanning `parameter`: each line of points that differ
    /// in that parameter alone is ordered by it and its neighbours compared.
    public static func warnings(_ records: [PointRecord], parameter: ConvergenceParameter) -> [String] {
        let magnetic = records.filter { $0.magnetizationPerAtom != nil }
        guard magnetic.count >= 2 else { return [] }
        func position(_ r: PointRecord) -> Double { parameter.position(of: r) }
        /// What the other parameters are: the points of one line share it.
        func line(_ r: PointRecord) -> String {
            let a = String(format: "%.6f", r.lattice_constant_angstrom), e = String(format: "%.9g", r.ecut_Ha)
            let k = r.kmesh.map(String.init).joined(separator: "x"), w = String(format: "%.9g", r.smearing_width_Ha)
            switch parameter {
            case .cutoff: return "\(a)|\(k)|\(w)"
            case .kmesh: return "\(a)|\(e)|\(w)"
            case .smearing: return "\(a)|\(e)|\(k)"
            case .lattice, .none: return "\(e)|\(k)|\(w)"
            }
        }
        var lines: [String: [PointRecord]] = [:]
        var order: [String] = []
        for r in magnetic {
            let key = line(r)
            if lines[key] == nil { order.append(key) }
            lines[key, default: []].append(r)
        }
        var out: [String] = []
        for key in order {
            let points = lines[key]!.sorted { position($0) < position($1) }
            guard points.count >= 2 else { continue }
            let m = points.map { $0.magnetizationPerAtom! }
            func jumps(_ i: Int, _ j: Int) -> Bool {
                abs(abs(m[i].total) - abs(m[j].total)) > threshold || abs(m[i].absolute - m[j].absolute) > threshold
                    || (abs(m[i].total) > signFloor && abs(m[j].total) > signFloor && (m[i].total > 0) != (m[j].total > 0))
            }
            let jump = (0..<(points.count - 1)).map { jumps($0, $0 + 1) }
            func describe(_ i: Int) -> String {
                String(format: "%@ (M %+.3f μB/atom, ∫|m| %.3f μB/atom)", points[i].id, m[i].total, m[i].absolute)
            }
            var named = Set<Int>()
            // interior points that jump against both neighbours
            if points.count >= 3 {
                for i in 1..<(points.count - 1) where jump[i - 1] && jump[i] {
                    named.insert(i)
                    out.append("moment collapse: \(describe(i)) differs from both neighbours \(describe(i - 1)) and \(describe(i + 1)) "
                               + "by more than \(shortNumber(threshold)) μB/atom or in sign: it converged to another magnetic state")
                }
            }
            for i in jump.indices where jump[i] && !named.contains(i) && !named.contains(i + 1) {
                out.append("moment collapse: \(describe(i)) and its neighbour \(describe(i + 1)) differ by more than "
                           + "\(shortNumber(threshold)) μB/atom or in sign: one of them converged to another magnetic state")
            }
        }
        return out
    }
}
