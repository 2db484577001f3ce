import Foundation
import Input
import PlaneWave

/// What a stage scans, detected from its records.
public enum ConvergenceParameter: String, Codable, Sendable {
    /// Plane-wave cutoff (reference: the largest).
    case cutoff
    /// k-point mesh (reference: the densest).
    case kmesh
    /// Smearing width (reference: the smallest).
    case smearing
    /// Lattice constant only: the equation of state.
    case lattice
    /// Nothing varies (a single point, e.g. the final point).
    case none

    /// Finds which parameter varies among the records (the first of cutoff, k-mesh, smearing that
    /// takes several values; else the lattice constant).
    public static func detect(_ records: [PointRecord]) -> ConvergenceParameter {
        if Set(records.map(\.ecut_Ha)).count > 1 { return .cutoff }
        if Set(records.map(\.kmesh)).count > 1 { return .kmesh }
        if Set(records.map(\.smearing_width_Ha)).count > 1 { return .smearing }
        if Set(records.map { latticeKey($0) }).count > 1 { return .lattice }
        return .none
    }

    /// Where a record stands along this parameter, ascending towards the converged end: the cutoff,
    /// the number of k-points (ties by the first axis), minus the smearing width, the lattice constant.
    public func position(of r: PointRecord) -> Double {
        switch self {
        case .cutoff: return r.ecut_Ha
        case .kmesh: return Double(r.kmesh.reduce(1, *)) + 1e-6 * Double(r.kmesh[0])
        case .smearing: return -r.smearing_width_Ha
        case .lattice, .none: return r.lattice_constant_angstrom
        }
    }
}

/// A record's lattice constant rounded to 1e-6 Å: the same a reached by different unit conversions.
func latticeKey(_ r: PointRecord) -> Double { (r.lattice_constant_angstrom * 1e6).rounded() / 1e6 }

/// The decision of one stage: the chosen value, every criterion with its margin, the per-value
/// differences (for plots), and warnings.
public struct ConvergenceDecision: Codable, Sendable, Equatable {
    /// One criterion evaluated at the chosen value against the reference.
    public struct Criterion: Codable, Sendable, Equatable {
        /// "energy", "energy_difference", "gap", "bulk_modulus", "pressure", "force", "magnetization".
        public let quantity: String
        /// |Δ| at the chosen value, in `unit`.
        public let value: Double
        public let tolerance: Double
        public let unit: String
        public var passed: Bool { value <= tolerance }
    }

    /// One scanned value with its differences to the reference (nil where not computed).
    public struct Row: Codable, Sendable, Equatable {
        public let label: String
        /// The value for the plot's x axis: ecut (Ha), k-points per reciprocal atom… (see `x_label`).
        public let x: Double
        public let ecut_Ha: Double
        public let kmesh: [Int]
        public let smearing_width_Ha: Double
        public let energy_per_atom_eV: Double?
        public let delta_energy_meV_per_atom: Double?
        public let delta_energy_difference_meV_per_atom: Double?
        public let delta_gap_meV: Double?
        public let delta_bulk_modulus_relative: Double?
        /// |P − P(ref)| (GPa), when the pressure is converged.
        public var delta_pressure_GPa: Double? = nil
        /// max over atoms of |F_i − F_i(ref)| (Ha/bohr), when the forces are converged.
        public var delta_force_Ha_per_bohr: Double? = nil
        /// Total and absolute magnetisation per atom (μB/atom) of a spin-polarised point, for the plots.
        public var magnetization_muB_per_atom: Double? = nil
        public var absolute_magnetization_muB_per_atom: Double? = nil
        /// max(|ΔM|, |Δ∫|m||) per atom (μB/atom) against the reference, when the magnetisation is converged.
        public var delta_magnetization_muB_per_atom: Double? = nil
        /// Every point of this value failed (then all deltas are nil).
        public let failed: Bool
        public let passes: Bool
    }

    public let stage: String
    public let parameter: ConvergenceParameter
    public let x_label: String
    public let rows: [Row]
    /// Label of the chosen value (nil when nothing could be chosen).
    public let chosen: String?
    public let reference: String?
    public let chosen_ecut_Ha: Double?
    public let chosen_kmesh: [Int]?
    public let chosen_smearing_width_Ha: Double?
    public let criteria: [Criterion]
    /// Converged: a value below the reference passes every criterion, as does every value above it.
    public let converged: Bool
    /// The decision in one sentence with its reason.
    public let message: String
    public let warnings: [String]
    /// Values to append to the scan when it did not converge, or only at its last value.
    public let suggested_values: [String]
    /// The criteria the decision was made with (absent in analysis files written before they were stored).
    public var tolerances: ConvergenceCriteria?
}

extension ConvergenceDecision {
    /// Decides a cutoff, k-mesh or smearing stage from its records.
    public static func decide(stage: String, records: [PointRecord], criteria: ConvergenceCriteria = .init(),
                              parameter detected: ConvergenceParameter? = nil) -> ConvergenceDecision {
        let parameter = detected ?? ConvergenceParameter.detect(records)
        let xLabel: String
        switch parameter {
        case .cutoff: xLabel = "ecut (Ha)"
        case .kmesh: xLabel = "k-points in the full mesh"
        case .smearing: xLabel = "smearing width (Ha)"
        case .lattice: xLabel = "a (Å)"
        case .none: xLabel = ""
        }
        func key(_ r: PointRecord) -> String {
            switch parameter {
            case .cutoff: return "ecut \(shortNumber(r.ecut_Ha)) Ha"
            case .kmesh: return "k \(r.kmesh.map(String.init).joined(separator: "x"))"
            case .smearing: return "σ \(shortNumber(r.smearing_width_Ha)) Ha"
            case .lattice, .none: return "a \(shortNumber(r.lattice_constant_angstrom)) Å"
            }
        }
        func order(_ r: PointRecord) -> Double { parameter.position(of: r) }
        func xValue(_ r: PointRecord) -> Double {
            switch parameter {
            case .cutoff: return r.ecut_Ha
            case .kmesh: return Double(r.kmesh.reduce(1, *))
            case .smearing: return r.smearing_width_Ha
            case .lattice, .none: return r.lattice_constant_angstrom
            }
        }
        var warnings: [String] = []
        // group by value, in order of increasing convergence
        var groups: [(label: String, order: Double, records: [PointRecord])] = []
        for r in records {
            let k = key(r)
            if let i = groups.firstIndex(where: { $0.label == k }) { groups[i].records.append(r) } else {
                groups.append((k, order(r), [r]))
            }
        }
        groups.sort { $0.order < $1.order }
        let ok = { (r: PointRecord) in r.status == .converged && r.free_energy_Ha != nil }
        // the base lattice constant: present (converged) at most values; a second one for energy differences
        var aCount: [Double: Int] = [:]
        for g in groups { for a in Set(g.records.filter(ok).map { latticeKey($0) }) { aCount[a, default: 0] += 1 } }
        let aOrder = aCount.keys.sorted { aCount[$0]! != aCount[$1]! ? aCount[$0]! > aCount[$1]! : $0 < $1 }
        // with the difference's lattice constants given, the energy at another one if there is one
        let differencePair = criteria.difference_lattice_angstrom.map { $0.map { ($0 * 1e6).rounded() / 1e6 } }
        let baseA = aOrder.first { !(differencePair ?? []).contains($0) } ?? aOrder.first
        let pair: (Double, Double)? = differencePair.flatMap { $0.count == 2 ? ($0[0], $0[1]) : nil }
            ?? baseA.flatMap { b in aOrder.first { $0 != b }.map { (b, $0) } }

        struct Q {
            var energy: Double?; var difference: Double?; var gap: Double?; var bulk: Double?; var pressure: Double?; var forces: [[Double]]?
            /// Total and absolute magnetisation per atom (μB/atom).
            var magnetization: (total: Double, absolute: Double)?
        }
        var metallicLabels: [String] = []
        var quantities: [Q] = []
        for g in groups {
            let good = g.records.filter(ok)
            var q = Q()
            if let a = baseA, let r = good.first(where: { latticeKey($0) == a }) {
                q.energy = r.free_energy_Ha! / Double(r.atoms) * Units.hartreeInEV
                q.gap = r.reportedGap_Ha.map { $0 * Units.hartreeInEV }
                q.pressure = r.pressure_GPa
                q.forces = r.forces_Ha_per_bohr
                q.magnetization = r.magnetizationPerAtom
                if r.isMetallic { metallicLabels.append(g.label) }
                if let (a1, a2) = pair, let r1 = good.first(where: { latticeKey($0) == a1 }),
                   let r2 = good.first(where: { latticeKey($0) == a2 }) {
                    q.difference = (r2.free_energy_Ha! - r1.free_energy_Ha!) / Double(r.atoms) * Units.hartreeInEV
                }
            }
            if Set(good.map { latticeKey($0) }).count >= 5, let eos = try? EquationOfState(records: good) {
                q.bulk = eos.preferred.B0_GPa
            }
            quantities.append(q)
            for r in g.records where !ok(r) {
                warnings.append("\(g.label) (\(r.id)): \(r.status.rawValue)\(r.error.map { " (\($0))" } ?? "") — left out of the decision")
            }
        }
        // reference: the most converged value with an energy
        guard let refIndex = quantities.lastIndex(where: { $0.energy != nil }) else {
            return ConvergenceDecision(stage: stage, parameter: parameter, x_label: xLabel, rows: [], chosen: nil, reference: nil,
                                 chosen_ecut_Ha: nil, chosen_kmesh: nil, chosen_smearing_width_Ha: nil, criteria: [],
                                 converged: false, message: "\(stage): no converged point, nothing to decide",
                                 warnings: warnings, suggested_values: [], tolerances: criteria)
        }
        if refIndex < groups.count - 1 {
            warnings.append("the most converged value\(groups.count - 1 - refIndex > 1 ? "s" : "") \(groups[(refIndex + 1)...].map(\.label).joined(separator: ", ")) failed: \(groups[refIndex].label) is the reference")
        }
        let ref = quantities[refIndex]
        let useDifference = criteria.energy_difference && ref.difference != nil
        // a metal has no gap to converge: the criterion is skipped, and the decision says why
        let gapSkipped: String? = criteria.gap && !metallicLabels.isEmpty
            ? "gap criterion skipped: metallic (bands cross the Fermi level, no gap) at \(metallicLabels.joined(separator: ", "))"
            : nil
        let useGap = criteria.gap && ref.gap != nil && gapSkipped == nil
        let useBulk = ref.bulk != nil
        let usePressure = criteria.pressure_GPa != nil && ref.pressure != nil
        let useForce = criteria.force_Ha_per_bohr != nil && ref.forces != nil
        let useMagnetization = criteria.magnetization_muB_per_atom != nil && ref.magnetization != nil
        if criteria.magnetization_muB_per_atom != nil && ref.magnetization == nil {
            warnings.append("the magnetization was asked for but the reference point \(groups[refIndex].label) has none (not spin-polarised): magnetization criterion skipped")
        }
        if criteria.pressure_GPa != nil && ref.pressure == nil {
            warnings.append("the pressure was asked for but the reference point \(groups[refIndex].label) has no stress (recorded before stresses were): pressure criterion skipped")
        }
        if criteria.force_Ha_per_bohr != nil && ref.forces == nil {
            warnings.append("the forces were asked for but the reference point \(groups[refIndex].label) has none (recorded before forces were): force criterion skipped")
        }
        /// The largest |F_i − G_i| over the atoms.
        func forceChange(_ f: [[Double]], _ g: [[Double]]) -> Double? {
            guard f.count == g.count else { return nil }
            var largest = 0.0
            for (a, b) in zip(f, g) {
                var squared = 0.0
                for (x, y) in zip(a, b) { squared += (x - y) * (x - y) }
                largest = max(largest, squared.squareRoot())
            }
            return largest
        }
        if criteria.energy_difference && ref.difference == nil {
            warnings.append("energy differences were asked for but the stage has no second lattice constant at \(groups[refIndex].label)")
        }
        if criteria.gap && ref.gap == nil && gapSkipped == nil {
            warnings.append("the gap was asked for but the reference point has no gap (metallic or odd electron count)")
        }
        var rows: [ConvergenceDecision.Row] = []
        var passes: [Bool] = []
        // every quantity in use, in the order the decision states them, with whether each value passes it
        var passesOf: [(quantity: String, passes: [Bool])] = [("energy", [])]
        if useDifference { passesOf.append(("energy_difference", [])) }
        if useGap { passesOf.append(("gap", [])) }
        if useBulk { passesOf.append(("bulk_modulus", [])) }
        if usePressure { passesOf.append(("pressure", [])) }
        if useForce { passesOf.append(("force", [])) }
        if useMagnetization { passesOf.append(("magnetization", [])) }
        for (i, g) in groups.enumerated() {
            let q = quantities[i]
            let dE = q.energy.map { abs($0 - ref.energy!) * 1000 }
            let dD = useDifference ? q.difference.map { abs($0 - ref.difference!) * 1000 } : nil
            let dG = useGap ? q.gap.map { abs($0 - ref.gap!) * 1000 } : nil
            let dB = useBulk ? q.bulk.map { abs($0 - ref.bulk!) / ref.bulk! } : nil
            let dP = usePressure ? q.pressure.map { abs($0 - ref.pressure!) } : nil
            let dF = useForce ? q.forces.flatMap { forceChange($0, ref.forces!) } : nil
            let dM = useMagnetization ? q.magnetization.map { m in
                max(abs(m.total - ref.magnetization!.total), abs(m.absolute - ref.magnetization!.absolute))
            } : nil
            let within: [String: Bool] = [
                "energy": dE.map { $0 <= criteria.energy_eV_per_atom * 1000 } ?? false,
                "energy_difference": dD.map { $0 <= criteria.energy_difference_eV_per_atom * 1000 } ?? false,
                "gap": dG.map { $0 <= criteria.gap_eV * 1000 } ?? false,
                "bulk_modulus": dB.map { $0 <= criteria.bulk_modulus_relative } ?? false,
                "pressure": dP.map { $0 <= criteria.pressure_GPa! } ?? false,
                "force": dF.map { $0 <= criteria.force_Ha_per_bohr! } ?? false,
                "magnetization": dM.map { $0 <= criteria.magnetization_muB_per_atom! } ?? false,
            ]
            for j in passesOf.indices { passesOf[j].passes.append(i <= refIndex && within[passesOf[j].quantity]!) }
            let pass = passesOf.allSatisfy { $0.passes[i] }
            passes.append(pass)
            let r0 = g.records[0]
            var row = Row(label: g.label, x: xValue(r0), ecut_Ha: r0.ecut_Ha, kmesh: r0.kmesh, smearing_width_Ha: r0.smearing_width_Ha,
                          energy_per_atom_eV: q.energy, delta_energy_meV_per_atom: dE, delta_energy_difference_meV_per_atom: dD,
                          delta_gap_meV: dG, delta_bulk_modulus_relative: dB, delta_pressure_GPa: dP, delta_force_Ha_per_bohr: dF,
                          failed: q.energy == nil, passes: pass)
            row.magnetization_muB_per_atom = q.magnetization?.total
            row.absolute_magnetization_muB_per_atom = q.magnetization?.absolute
            row.delta_magnetization_muB_per_atom = dM
            rows.append(row)
        }
        // A value without its energy, or without its energy difference when that is converged, is left
        // out: failed points do not break the run.
        let compared = { (i: Int) in quantities[i].energy != nil && (!useDifference || quantities[i].difference != nil) }
        for i in 0..<refIndex where quantities[i].energy != nil && !compared(i) {
            warnings.append("\(groups[i].label) lacks its energy difference (a point at the other lattice constant failed) — left out of the decision")
        }
        // chosen: the least converged value from which every successful value up to the reference passes
        // (with several quantities, the largest of the values each would choose alone: the one that decided)
        func choice(by passes: [Bool]) -> Int {
            var chosenIndex = refIndex
            var i = refIndex - 1
            while i >= 0 {
                if !compared(i) { i -= 1; continue }
                if !passes[i] { break }
                chosenIndex = i
                i -= 1
            }
            return chosenIndex
        }
        let chosenIndex = choice(by: passes)
        let converged = chosenIndex < refIndex
        let chosenGroup = groups[chosenIndex]
        let refLabel = groups[refIndex].label
        var crits: [Criterion] = []
        let row = rows[chosenIndex]
        if converged {
            crits.append(Criterion(quantity: "energy", value: row.delta_energy_meV_per_atom!, tolerance: criteria.energy_eV_per_atom * 1000, unit: "meV/atom"))
            if useDifference, let d = row.delta_energy_difference_meV_per_atom {
                crits.append(Criterion(quantity: "energy_difference", value: d, tolerance: criteria.energy_difference_eV_per_atom * 1000, unit: "meV/atom"))
            }
            if useGap, let d = row.delta_gap_meV {
                crits.append(Criterion(quantity: "gap", value: d, tolerance: criteria.gap_eV * 1000, unit: "meV"))
            }
            if useBulk, let d = row.delta_bulk_modulus_relative {
                crits.append(Criterion(quantity: "bulk_modulus", value: d * 100, tolerance: criteria.bulk_modulus_relative * 100, unit: "%"))
            }
            if usePressure, let d = row.delta_pressure_GPa {
                crits.append(Criterion(quantity: "pressure", value: d, tolerance: criteria.pressure_GPa!, unit: "GPa"))
            }
            if useForce, let d = row.delta_force_Ha_per_bohr {
                crits.append(Criterion(quantity: "force", value: d, tolerance: criteria.force_Ha_per_bohr!, unit: "Ha/bohr"))
            }
            if useMagnetization, let d = row.delta_magnetization_muB_per_atom {
                crits.append(Criterion(quantity: "magnetization", value: d, tolerance: criteria.magnetization_muB_per_atom!, unit: "μB/atom"))
            }
        }
        let symbols = ["energy": "|ΔE|", "energy_difference": "|Δ(E(a₂)−E(a₁))|", "gap": "|ΔEg|", "bulk_modulus": "|ΔB0|/B0",
                       "pressure": "|ΔP|", "force": "max|ΔF|", "magnetization": "|ΔM|"]
        let names = ["energy": "the energy", "energy_difference": "the energy difference", "gap": "the gap",
                     "bulk_modulus": "B0", "pressure": "the pressure", "force": "the forces", "magnetization": "the magnetization"]
        func listed(_ quantities: [String]) -> String {
            let n = quantities.map { names[$0]! }
            return n.count <= 1 ? n.joined() : n.dropLast().joined(separator: ", ") + " and " + n.last!
        }
        let reason = crits.map { c in
            "\(symbols[c.quantity]!) = \(format(c.value)) \(c.unit) ≤ \(String(format: "%g", c.tolerance)) \(c.unit)"
        }.joined(separator: ", ")
        var message: String
        var suggestions: [String] = []
        let present = groups.compactMap { g in g.records.first }
        if converged {
            message = "\(chosenGroup.label): \(reason) against \(refLabel.split(separator: " ", maxSplits: 1).last.map(String.init) ?? refLabel)"
            if passesOf.count > 1 {
                // which quantity decided: the one whose own choice is the chosen value; the others converged earlier
                let own = passesOf.map { (quantity: $0.quantity, index: choice(by: $0.passes)) }
                let deciding = own.filter { $0.index == chosenIndex }.map(\.quantity)
                let earlier = own.filter { $0.index < chosenIndex }
                    .map { "\(names[$0.quantity]!) had converged at \(groups[$0.index].label)" }
                message += "; \(listed(deciding)) decided" + (deciding.count > 1 ? " together" : "")
                    + (earlier.isEmpty ? "" : " (\(earlier.joined(separator: ", ")))")
            }
            let lastCompared = (0..<refIndex).last(where: compared)
            if chosenIndex == lastCompared {
                suggestions = extend(parameter: parameter, present)
                warnings.append("converged only at the last value before the reference (\(chosenGroup.label), checked against \(refLabel) alone): extend the list to \(suggestions.joined(separator: ", ")) to confirm")
            }
        } else if groups.count == 1 {
            message = "\(refLabel) (a single value: convergence not checked)"
        } else {
            suggestions = extend(parameter: parameter, present)
            let worst = rows[..<refIndex].compactMap { $0.delta_energy_meV_per_atom }.last
            message = "\(stage): not converged — no value below \(refLabel) is within the tolerances"
                + (worst.map { " (|ΔE| = \(format($0)) meV/atom at the last value compared)" } ?? "")
            if passesOf.count > 1, let last = (0..<refIndex).last(where: compared) {
                let failing = passesOf.filter { !$0.passes[last] }.map(\.quantity)
                if !failing.isEmpty { message += "; \(listed(failing)) not within tolerance at \(groups[last].label)" }
            }
            message += "; using \(refLabel)"
            warnings.append("the scan never converges: extend the list to \(suggestions.joined(separator: ", "))")
        }
        let chosen = chosenGroup.records[0]
        if let g = gapSkipped { message += "; \(g)" }
        warnings += MomentCollapse.warnings(records.filter(ok), parameter: parameter)
        return ConvergenceDecision(stage: stage, parameter: parameter, x_label: xLabel, rows: rows, chosen: chosenGroup.label,
                             reference: refLabel,
                             chosen_ecut_Ha: parameter == .cutoff ? chosen.ecut_Ha : nil,
                             chosen_kmesh: parameter == .kmesh ? chosen.kmesh : nil,
                             chosen_smearing_width_Ha: parameter == .smearing ? chosen.smearing_width_Ha : nil,
                             criteria: crits, converged: converged, message: message, warnings: warnings,
                             suggested_values: suggestions, tolerances: criteria)
    }

    /// Two further values continuing the scan.
    static func extend(parameter: ConvergenceParameter, _ firsts: [PointRecord]) -> [String] {
        guard let last = firsts.last else { return [] }
        switch parameter {
        case .cutoff:
            let values = firsts.map(\.ecut_Ha)
            let step = values.count > 1 ? max(values[values.count - 1] - values[values.count - 2], 1) : 5
            return [1, 2].map { "\(shortNumber(last.ecut_Ha + Double($0) * step)) Ha" }
        case .kmesh:
            let prev = firsts.count > 1 ? firsts[firsts.count - 2].kmesh : last.kmesh.map { max(1, $0 - 2) }
            let step = zip(last.kmesh, prev).map { max(1, $0 - $1) }
            return [1, 2].map { n in zip(last.kmesh, step).map { String($0 + n * $1) }.joined(separator: "x") }
        case .smearing:
            return [0.5, 0.25].map { "\(shortNumber(last.smearing_width_Ha * $0)) Ha" }
        case .lattice, .none:
            return []
        }
    }

    static func format(_ x: Double) -> String {
        if x == 0 { return "0" }
        if x >= 100 { return String(format: "%.0f", x) }
        if x >= 0.01 { return String(format: "%.2f", x) }
        return String(format: "%.1e", x)
    }
}
