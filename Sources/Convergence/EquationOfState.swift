import Foundation
import Input
import PlaneWave

/// Equation-of-state fits E(V) of a scan over the lattice constant: 3rd-order Birch–Murnaghan
/// (the recommended one), Murnaghan and Vinet, each by least squares on (E₀, V₀, B₀, B₀′)
/// (Levenberg–Marquardt from the exact linear BM3 solution), with parameter uncertainties from the
/// covariance s²(JᵀJ)⁻¹, residuals, and warnings with a proposed next window when the minimum
/// lies outside (or at the edge of) the scanned window or the fit is poor. When the points carry
/// the pressure of their stress, the fit is checked against it (`PressureCheck`).
public struct EquationOfState: Codable, Sendable, Equatable {
    public enum Form: String, Codable, Sendable, CaseIterable {
        case birchMurnaghan = "birch-murnaghan-3"
        case murnaghan
        case vinet

        public var title: String {
            switch self {
            case .birchMurnaghan: "Birch–Murnaghan (3rd order)"
            case .murnaghan: "Murnaghan"
            case .vinet: "Vinet"
            }
        }

        /// E(V) for p = (E₀, V₀, B₀, B₀′) in Ha, bohr³, Ha/bohr³.
        public func energy(_ v: Double, _ p: [Double]) -> Double {
            let (e0, v0, b0, bp) = (p[0], p[1], p[2], p[3])
            switch self {
            case .birchMurnaghan:
                let x = pow(v0 / v, 2.0 / 3) - 1
                return e0 + 9 * v0 * b0 / 16 * (x * x * x * bp + x * x * (6 - 4 * pow(v0 / v, 2.0 / 3)))
            case .murnaghan:
                return e0 + b0 * v / bp * (pow(v0 / v, bp) / (bp - 1) + 1) - b0 * v0 / (bp - 1)
            case .vinet:
                let eta = pow(v / v0, 1.0 / 3)
                return e0 + 2 * b0 * v0 / ((bp - 1) * (bp - 1))
                    * (2 - (5 + 3 * bp * (eta - 1) - 3 * eta) * exp(-1.5 * (bp - 1) * (eta - 1)))
            }
        }

        /// P(V) = −dE/dV (Ha/bohr³) of the form, in closed form:
        /// BM3: (3B₀/2)(x^{7/2} − x^{5/2})(1 + ¾(B₀′ − 4)(x − 1)) with x = (V₀/V)^{2/3};
        /// Murnaghan: (B₀/B₀′)((V₀/V)^{B₀′} − 1); Vinet: 3B₀ (1 − η)/η² exp(3/2 (B₀′ − 1)(1 − η)), η = (V/V₀)^{1/3}.
        public func pressure(_ v: Double, _ p: [Double]) -> Double {
            let (v0, b0, bp) = (p[1], p[2], p[3])
            switch self {
            case .birchMurnaghan:
                let x = pow(v0 / v, 2.0 / 3)
                return 1.5 * b0 * (pow(x, 3.5) - pow(x, 2.5)) * (1 + 0.75 * (bp - 4) * (x - 1))
            case .murnaghan:
                return b0 / bp * (pow(v0 / v, bp) - 1)
            case .vinet:
                let eta = pow(v / v0, 1.0 / 3)
                return 3 * b0 * (1 - eta) / (eta * eta) * exp(1.5 * (bp - 1) * (1 - eta))
            }
        }
    }

    /// One scanned point.
    public struct Point: Codable, Sendable, Equatable {
        public let lattice_constant_angstrom: Double
        public let volume_bohr3: Double
        public let energy_Ha: Double
        /// P = −tr σ/3 of the point's stress (GPa); nil when not recorded.
        public let pressure_GPa: Double?
        public init(lattice_constant_angstrom: Double, volume_bohr3: Double, energy_Ha: Double, pressure_GPa: Double? = nil) {
            self.lattice_constant_angstrom = lattice_constant_angstrom; self.volume_bohr3 = volume_bohr3; self.energy_Ha = energy_Ha
            self.pressure_GPa = pressure_GPa
        }
    }

    /// The built-in consistency check of a lattice scan: at each volume the pressure of the stress,
    /// P = −tr σ/3, against P_fit = −dE/dV of the preferred (Birch–Murnaghan) fit. Both are
    /// derivatives of the same free energy, so they agree up to the fit's error and — a scan at a
    /// fixed cutoff changes the number of plane waves with V, the stress keeps it fixed — the Pulay
    /// stress of an unconverged cutoff, a nearly constant offset (`mean_difference_GPa`).
    public struct PressureCheck: Codable, Sendable, Equatable {
        public struct Row: Codable, Sendable, Equatable {
            public let volume_bohr3: Double
            public let volume_angstrom3_per_atom: Double
            public let pressure_stress_GPa: Double
            public let pressure_fit_GPa: Double
            /// P_stress − P_fit.
            public let difference_GPa: Double
        }
        public let rows: [Row]
        public let max_abs_difference_GPa: Double
        public let mean_difference_GPa: Double
        /// The largest |difference| accepted without a warning.
        public let tolerance_GPa: Double
        public var passed: Bool { max_abs_difference_GPa <= tolerance_GPa }
        /// `analysis.eos_pressure_tolerance`'s default.
        public static let defaultTolerance_GPa = AnalysisSettings.defaultEOSPressureTolerance_GPa

        /// The check of `points` (those with a pressure) against `fit`; nil when none has one.
        public init?(points: [Point], fit: Fit, atoms: Int, tolerance_GPa: Double) {
            let rows = points.compactMap { p -> Row? in
                guard let ps = p.pressure_GPa else { return nil }
                let pf = fit.form.pressure(p.volume_bohr3, fit.parameters) * Units.hartreePerBohr3InGPa
                return Row(volume_bohr3: p.volume_bohr3, volume_angstrom3_per_atom: p.volume_bohr3 / pow(Units.angstrom, 3) / Double(atoms),
                           pressure_stress_GPa: ps, pressure_fit_GPa: pf, difference_GPa: ps - pf)
            }
            guard !rows.isEmpty else { return nil }
            self.rows = rows
            max_abs_difference_GPa = rows.map { abs($0.difference_GPa) }.max()!
            mean_difference_GPa = rows.map(\.difference_GPa).reduce(0, +) / Double(rows.count)
            self.tolerance_GPa = tolerance_GPa
        }
    }

    /// One fitted form; uncertainties are one standard deviation (nil with as many points as parameters).
    public struct Fit: Codable, Sendable, Equatable {
        public let form: Form
        public let E0_Ha: Double
        public let V0_bohr3: Double
        public let B0_GPa: Double
        public let B0_prime: Double
        public let a0_angstrom: Double
        public let E0_uncertainty_Ha: Double?
        public let V0_uncertainty_bohr3: Double?
        public let B0_uncertainty_GPa: Double?
        public let B0_prime_uncertainty: Double?
        public let a0_uncertainty_angstrom: Double?
        /// E_i − E_fit(V_i) per atom, in the order of `points`.
        public let residuals_meV_per_atom: [Double]
        public let rms_residual_meV_per_atom: Double
        public let iterations: Int

        /// (E₀, V₀, B₀, B₀′) in atomic units.
        public var parameters: [Double] { [E0_Ha, V0_bohr3, B0_GPa / Units.hartreePerBohr3InGPa, B0_prime] }
        public func energy(volume v: Double) -> Double { form.energy(v, parameters) }
    }

    public let points: [Point]
    public let atoms: Int
    /// V = volumeFactor · a³ (a in bohr), e.g. ¼ for an FCC primitive cell.
    public let volume_factor: Double
    public let fits: [Fit]
    public let warnings: [String]
    /// Lattice constants (Å) of a better window when the current one is not adequate.
    public let proposed_window_angstrom: [Double]?
    public let minimum_inside_window: Bool
    /// The pressures of the stress against −dE/dV of the fit; nil when no point has a pressure.
    public let pressure_check: PressureCheck?
    /// Δ, ν, ε against `analysis.reference_eos` (set by the run analysis); nil without a reference.
    public var verification: EOSVerification? = nil

    /// The recommended fit (Birch–Murnaghan).
    public var preferred: Fit { fits.first { $0.form == .birchMurnaghan } ?? fits[0] }
    public func fit(_ form: Form) -> Fit? { fits.first { $0.form == form } }

    public enum FitError: Error, CustomStringConvertible {
        case tooFewPoints(Int)
        case noMinimum(String)
        public var description: String {
            switch self {
            case .tooFewPoints(let n): "an equation of state needs at least 5 distinct volumes, got \(n)"
            case .noMinimum(let s): s
            }
        }
    }

    /// Fits every form to the points. `rmsWarning` is the RMS residual (meV/atom) above which the
    /// fit is called poor; `pressureTolerance` (GPa) the largest |P_stress − P_fit| without a warning.
    public init(points unsorted: [Point], atoms: Int, rmsWarning: Double = 0.1,
                pressureTolerance: Double = PressureCheck.defaultTolerance_GPa) throws {
        let points = unsorted.sorted { $0.volume_bohr3 < $1.volume_bohr3 }
        let distinct = Set(points.map { ($0.volume_bohr3 * 1e9).rounded() }).count
        guard distinct >= 5 else { throw FitError.tooFewPoints(distinct) }
        self.points = points
        self.atoms = atoms
        let factors = points.map { $0.volume_bohr3 / pow($0.lattice_constant_angstrom * Units.angstrom, 3) }
        let factor = factors.reduce(0, +) / Double(factors.count)
        volume_factor = factor
        let v = points.map(\.volume_bohr3), e = points.map(\.energy_Ha)
        guard let start = Self.linearBirchMurnaghan(v, e) else {
            let minimumAt = points.min { $0.energy_Ha < $1.energy_Ha }!.lattice_constant_angstrom
            throw FitError.noMinimum("E(V) has no minimum the equation of state can describe (lowest energy at a = \(minimumAt) Å); scan a wider window around it")
        }
        var fits: [Fit] = []
        var start4 = start
        for form in Form.allCases {
            var (p, iterations) = Self.levenbergMarquardt(form: form, v: v, e: e, start: start4)
            if !p.allSatisfy(\.isFinite) || p[1] <= 0 || p[2] <= 0 { p = start4; iterations = 0 }
            if form == .birchMurnaghan { start4 = p }
            fits.append(Self.makeFit(form: form, p: p, v: v, e: e, atoms: atoms, factor: factor, iterations: iterations))
        }
        self.fits = fits

        // quality and window
        var warnings: [String] = []
        let bm = fits[0]
        let aMin = points.map(\.lattice_constant_angstrom).min()!, aMax = points.map(\.lattice_constant_angstrom).max()!
        let aValues = Set(points.map { ($0.lattice_constant_angstrom * 1e6).rounded() / 1e6 }).sorted()
        let step = aValues.count > 1 ? (aValues.last! - aValues.first!) / Double(aValues.count - 1) : 0.05
        let inside = bm.V0_bohr3 >= v.first! && bm.V0_bohr3 <= v.last!
        minimum_inside_window = inside
        var proposal: [Double]? = nil
        func window(centre: Double) -> [Double] {
            let c = (centre / step).rounded() * step
            let half = aValues.count / 2
            return (0..<aValues.count).map { ((c + Double($0 - half) * step) * 1e6).rounded() / 1e6 }
        }
        if !inside {
            let lowest = points.min { $0.energy_Ha < $1.energy_Ha }!
            // extrapolated minima are unreliable far out: never move more than one window width
            let width = aMax - aMin
            let centre = min(max(bm.a0_angstrom, aMin - width), aMax + width)
            proposal = window(centre: centre)
            warnings.append(String(format: "the fitted minimum a0 = %.4f Å lies outside the scanned window %.3f–%.3f Å (lowest energy at %.3f Å): the fit extrapolates; scan again around it: %@",
                                   bm.a0_angstrom, aMin, aMax, lowest.lattice_constant_angstrom,
                                   proposal!.map { String(format: "%.3f", $0) }.joined(separator: ", ") + " Å"))
        } else if bm.a0_angstrom < aValues[1] || bm.a0_angstrom > aValues[aValues.count - 2] {
            proposal = window(centre: bm.a0_angstrom)
            warnings.append(String(format: "the minimum a0 = %.4f Å lies in the outermost interval of the window %.3f–%.3f Å; a window centred on it is better conditioned: %@",
                                   bm.a0_angstrom, aMin, aMax, proposal!.map { String(format: "%.3f", $0) }.joined(separator: ", ") + " Å"))
        }
        if bm.rms_residual_meV_per_atom > rmsWarning {
            warnings.append(String(format: "poor fit: RMS residual %.3f meV/atom > %.3f meV/atom (noisy energies, too wide a window, or failed points)",
                                   bm.rms_residual_meV_per_atom, rmsWarning))
            if proposal == nil { proposal = window(centre: bm.a0_angstrom) }
        }
        if bm.B0_prime < 1.5 || bm.B0_prime > 8 {
            warnings.append(String(format: "implausible B0′ = %.2f (expected 3–6 for solids): the window is probably too narrow or the energies too noisy", bm.B0_prime))
        }
        if let vinet = fits.first(where: { $0.form == .vinet }), abs(vinet.a0_angstrom - bm.a0_angstrom) > 0.002 {
            warnings.append(String(format: "Birch–Murnaghan and Vinet disagree on a0 by %.4f Å: the window is too wide or off-centre",
                                   abs(vinet.a0_angstrom - bm.a0_angstrom)))
        }
        let check = PressureCheck(points: points, fit: bm, atoms: atoms, tolerance_GPa: pressureTolerance)
        if let check, !check.passed {
            warnings.append(String(format: "pressure check: the pressure of the stress differs from −dE/dV of the fit by up to %.3f GPa "
                                   + "(mean %+.3f GPa) > %.3g GPa: a nearly constant offset is the Pulay stress of an unconverged cutoff, "
                                   + "scattered differences a noisy fit", check.max_abs_difference_GPa, check.mean_difference_GPa, pressureTolerance))
        }
        pressure_check = check
        self.warnings = warnings
        proposed_window_angstrom = proposal
    }

    /// Fits the converged points of records (one energy per lattice constant; F per cell).
    public init(records: [PointRecord], rmsWarning: Double = 0.1, pressureTolerance: Double = PressureCheck.defaultTolerance_GPa) throws {
        let ok = records.filter { $0.status == .converged && $0.free_energy_Ha != nil }
        let points = ok.map { Point(lattice_constant_angstrom: $0.lattice_constant_angstrom, volume_bohr3: $0.volume_bohr3,
                                    energy_Ha: $0.free_energy_Ha!, pressure_GPa: $0.pressure_GPa) }
        try self.init(points: points, atoms: ok.first?.atoms ?? 1, rmsWarning: rmsWarning, pressureTolerance: pressureTolerance)
    }

    // MARK: fitting

    /// The exact least-squares BM3 fit: E is a cubic polynomial in x = V^(−2/3).
    static func linearBirchMurnaghan(_ v: [Double], _ e: [Double]) -> [Double]? {
        let x = v.map { pow($0, -2.0 / 3) }
        let xs = x.reduce(0, +) / Double(x.count)
        let scale = 1 / xs
        let t = x.map { $0 * scale }   // conditioned variable ~1
        let emin = e.min()!
        var ata = [[Double]](repeating: [Double](repeating: 0, count: 4), count: 4)
        var atb = [Double](repeating: 0, count: 4)
        for (ti, ei) in zip(t, e) {
            let row = [1, ti, ti * ti, ti * ti * ti]
            for i in 0..<4 { atb[i] += row[i] * (ei - emin); for j in 0..<4 { ata[i][j] += row[i] * row[j] } }
        }
        guard let c = solve(ata, atb) else { return nil }
        // dE/dt = c1 + 2c2 t + 3c3 t² = 0 with d²E/dt² > 0, the root nearest the data
        let roots: [Double]
        if abs(c[3]) < 1e-300 {
            roots = c[2] != 0 ? [-c[1] / (2 * c[2])] : []
        } else {
            let disc = 4 * c[2] * c[2] - 12 * c[3] * c[1]
            guard disc >= 0 else { return nil }
            let s = disc.squareRoot()
            roots = [(-2 * c[2] + s) / (6 * c[3]), (-2 * c[2] - s) / (6 * c[3])]
        }
        let minima = roots.filter { $0 > 0 && 2 * c[2] + 6 * c[3] * $0 > 0 }
        guard let t0 = minima.min(by: { abs($0 - 1) < abs($1 - 1) }) else { return nil }
        let x0 = t0 / scale
        let v0 = pow(x0, -1.5)
        let e0 = emin + c[0] + c[1] * t0 + c[2] * t0 * t0 + c[3] * t0 * t0 * t0
        // B = V d²E/dV²; with x = V^(−2/3): dx/dV = −(2/3) x/V, so at the minimum (dE/dx = 0)
        // d²E/dV² = E_xx (dx/dV)² ⇒ B0 = V0 E_xx (2x0/3V0)²
        let exx = (2 * c[2] + 6 * c[3] * t0) * scale * scale
        let b0 = v0 * exx * pow(2 * x0 / (3 * v0), 2)
        // B′ from the third derivative: B′ = −1 − V E‴/E″ (at the minimum)
        let exxx = 6 * c[3] * scale * scale * scale
        let dxdv = -2 * x0 / (3 * v0), d2xdv2 = 10 * x0 / (9 * v0 * v0)
        let e2 = exx * dxdv * dxdv
        let e3 = exxx * dxdv * dxdv * dxdv + 3 * exx * dxdv * d2xdv2
        let bp = -1 - v0 * e3 / e2
        guard b0 > 0, b0.isFinite, bp.isFinite else { return nil }
        return [e0, v0, b0, bp]
    }

    /// Levenberg–Marquardt on the 4 parameters with a forward-difference Jacobian and Marquardt's
    /// diagonal scaling.
    static func levenbergMarquardt(form: Form, v: [Double], e: [Double], start: [Double]) -> ([Double], Int) {
        var p = start
        func residuals(_ q: [Double]) -> [Double] { zip(v, e).map { $1 - form.energy($0, q) } }
        func cost(_ r: [Double]) -> Double { r.reduce(0) { $0 + $1 * $1 } }
        var r = residuals(p)
        var c = cost(r)
        var lambda = 1e-3
        var iterations = 0
        for it in 1...200 {
            iterations = it
            let j = jacobian(form: form, v: v, p: p)
            var jtj = [[Double]](repeating: [Double](repeating: 0, count: 4), count: 4)
            var jtr = [Double](repeating: 0, count: 4)
            for i in v.indices {
                for a in 0..<4 { jtr[a] += j[i][a] * r[i]; for b in 0..<4 { jtj[a][b] += j[i][a] * j[i][b] } }
            }
            var improved = false
            for _ in 0..<30 {
                var m = jtj
                for a in 0..<4 { m[a][a] += lambda * max(jtj[a][a], 1e-300) }
                guard let d = solve(m, jtr) else { lambda *= 10; continue }
                let q = zip(p, d).map { $0 + $1 }
                if q[1] <= 0 || q[2] <= 0 || !q.allSatisfy(\.isFinite) { lambda *= 10; continue }
                let rq = residuals(q)
                let cq = cost(rq)
                if cq <= c {
                    let small = zip(d, q).allSatisfy { abs($0) <= 1e-12 * max(abs($1), 1e-12) }
                    p = q; r = rq
                    let done = small || c - cq <= 1e-15 * max(c, 1e-30)
                    c = cq
                    lambda = max(lambda / 10, 1e-12)
                    improved = true
                    if done { return (p, iterations) }
                    break
                }
                lambda *= 10
            }
            if !improved { break }
        }
        return (p, iterations)
    }

    static func jacobian(form: Form, v: [Double], p: [Double]) -> [[Double]] {
        // ∂E_fit/∂p (the residual's derivative is its negative; LM above solves JᵀJ d = Jᵀr)
        v.map { vi in
            (0..<4).map { a in
                let h = 1e-6 * max(abs(p[a]), a == 0 ? 1e-3 : 1e-8)
                var up = p, down = p
                up[a] += h; down[a] -= h
                return (form.energy(vi, up) - form.energy(vi, down)) / (2 * h)
            }
        }
    }

    static func makeFit(form: Form, p: [Double], v: [Double], e: [Double], atoms: Int, factor: Double, iterations: Int) -> Fit {
        let toMeV = 1000 * Units.hartreeInEV / Double(atoms)
        let res = zip(v, e).map { ($1 - form.energy($0, p)) * toMeV }
        let n = v.count
        let ssr = zip(v, e).reduce(0.0) { let d = $1.1 - form.energy($1.0, p); return $0 + d * d }
        var sigma: [Double]? = nil
        if n > 4 {
            let j = jacobian(form: form, v: v, p: p)
            var jtj = [[Double]](repeating: [Double](repeating: 0, count: 4), count: 4)
            for i in 0..<n { for a in 0..<4 { for b in 0..<4 { jtj[a][b] += j[i][a] * j[i][b] } } }
            if let inv = invert(jtj) {
                let s2 = ssr / Double(n - 4)
                sigma = (0..<4).map { (max(inv[$0][$0], 0) * s2).squareRoot() }
            }
        }
        let a0 = pow(p[1] / factor, 1.0 / 3) / Units.angstrom
        let rms = (res.reduce(0) { $0 + $1 * $1 } / Double(n)).squareRoot()
        return Fit(form: form, E0_Ha: p[0], V0_bohr3: p[1], B0_GPa: p[2] * Units.hartreePerBohr3InGPa, B0_prime: p[3],
                   a0_angstrom: a0, E0_uncertainty_Ha: sigma?[0], V0_uncertainty_bohr3: sigma?[1],
                   B0_uncertainty_GPa: sigma.map { $0[2] * Units.hartreePerBohr3InGPa }, B0_prime_uncertainty: sigma?[3],
                   a0_uncertainty_angstrom: sigma.map { a0 * $0[1] / (3 * p[1]) },
                   residuals_meV_per_atom: res, rms_residual_meV_per_atom: rms, iterations: iterations)
    }

    /// Solves a small dense system by Gaussian elimination with partial pivoting (nil if singular).
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double]? {
        let n = b.count
        var m = a, x = b
        for col in 0..<n {
            guard let piv = (col..<n).max(by: { abs(m[$0][col]) < abs(m[$1][col]) }), abs(m[piv][col]) > 1e-300 else { return nil }
            m.swapAt(col, piv); x.swapAt(col, piv)
            for r in (col + 1)..<n where r < n {
                let f = m[r][col] / m[col][col]
                if f == 0 { continue }
                for c in col..<n { m[r][c] -= f * m[col][c] }
                x[r] -= f * x[col]
            }
        }
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = x[r]
            for c in (r + 1)..<n where c < n { s -= m[r][c] * x[c] }
            x[r] = s / m[r][r]
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }

    static func invert(_ a: [[Double]]) -> [[Double]]? {
        let n = a.count
        var columns: [[Double]] = []
        for i in 0..<n {
            var e = [Double](repeating: 0, count: n); e[i] = 1
            guard let c = solve(a, e) else { return nil }
            columns.append(c)
        }
        return (0..<n).map { r in (0..<n).map { c in columns[c][r] } }
    }
}
