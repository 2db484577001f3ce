import Foundation
import Input
import RunStore
import Convergence
import PlaneWave

/// `<run-dir>/report.html`: one self-contained page (inline SVG and CSS, no script, no network):
/// run summary and provenance (each pseudopotential file with its SHA-256), recommended parameters
/// with the decisions behind them, ΔE per atom against cutoff and k-mesh with the tolerance, E(V)
/// with the fits and residuals, bands and DOS, failed points, timings per point and per rank group,
/// and every point's numbers.
/// Table cells carrying record values have `data-field` (and rows `data-id`) attributes.
public struct RunReport {
    public static let file = RunDirectory.reportFile
    let document: AnalysisDocument
    let records: [PointRecord]
    let metadata: [(String, String)]?
    let recordsSource: String?
    let files: [String]
    /// Set while the run goes on (the page a run rewrites at each stage end): what is done and what
    /// runs, shown at the top; nil for the end-of-run page.
    let inProgress: String?

    public init(document: AnalysisDocument, records: [PointRecord], metadata: [(String, String)]? = nil,
                recordsSource: String? = nil, files: [String] = [], inProgress: String? = nil) {
        self.document = document
        self.records = RunAnalysis.latest(records)
        self.metadata = metadata
        self.recordsSource = recordsSource
        self.files = files
        self.inProgress = inProgress
    }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    public func html() -> String {
        let title = document.system.map { "\($0.name): \($0.formula), \($0.functional)" } ?? (records.first.map { String($0.id.split(separator: "/").last ?? "") } ?? "run")
        var h = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>preconv-mpi report — \(htmlEscaped(title))</title>
        <style>
        body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:24px auto;max-width:1120px;color:#222;line-height:1.4}
        h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:3px;margin-top:28px}
        h3{font-size:15px;margin-bottom:4px}table{border-collapse:collapse;margin:8px 0;font-size:13px}
        td,th{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}th{background:#f3f3f3}
        td.num{text-align:right;font-variant-numeric:tabular-nums}.warn{background:#fff4d6;border-left:4px solid #e0a800;padding:4px 8px;margin:4px 0;font-size:13px}
        .ok{color:#186a1e}.bad{color:#b00020}.note{background:#eef4fb;border-left:4px solid #4a78b0;padding:6px 10px;font-size:13px}
        .decision{font-weight:bold}.plots{display:flex;flex-wrap:wrap;gap:10px}svg.plot{border:1px solid #ddd}
        pre{background:#f6f6f6;padding:8px;font-size:12px;overflow-x:auto}.small{font-size:12px;color:#555}
        </style></head><body>
        <h1>preconv-mpi report — \(htmlEscaped(title))</h1>
        <p class="small">Generated \(htmlEscaped(document.generated_at)) by \(htmlEscaped(document.program)). Self-contained page: no script, no network.</p>

        """
        if let p = inProgress {
            h += "<p class=\"warn\" id=\"in-progress\"><b>In progress</b>: \(htmlEscaped(p)). This page is rewritten at each stage end; "
                + "the recommendation, the final point, bands and DOS come with the end of the run.</p>\n"
        }
        h += summarySection()
        h += recommendedSection()
        h += decisionsSection()
        h += eosSection()
        h += bandsSection()
        h += failedSection()
        h += timingsSection()
        h += pointsSection()
        h += "</body></html>\n"
        return h
    }

    // MARK: sections

    func summarySection() -> String {
        // scan points (the final point is listed on its own)
        let scan = records.filter { !RunAnalysis.nonScanStages.contains($0.stage) }
        let converged = scan.filter { $0.status == .converged }.count
        let failed = scan.count - converged
        var stages: [String] = []
        for r in records where !stages.contains(r.stage) { stages.append(r.stage) }
        let wall = records.reduce(0) { $0 + $1.wall_time_s }
        let coreHours = records.reduce(0) { $0 + $1.wall_time_s * Double($1.ranks) } / 3600
        let times = records.map(\.finished_at).sorted()
        var s = "<h2 id=\"summary\">Run summary and provenance</h2>\n<table id=\"run-summary\">"
        func row(_ k: String, _ v: String, field: String? = nil) {
            s += "<tr><th>\(htmlEscaped(k))</th><td\(field.map { " data-field=\"\($0)\"" } ?? "")>\(htmlEscaped(v))</td></tr>"
        }
        if let sys = document.system {
            row("system", "\(sys.name): \(sys.formula), \(sys.atoms.count) atoms, \(sys.electrons) electrons")
            row("model", "\(sys.functional), \(sys.pseudopotential_family) (\(sys.pseudopotentials.keys.sorted().map { "\($0) \(sys.pseudopotentials[$0]!)" }.joined(separator: ", "))), smearing \(sys.smearing)\(sys.smearing == "none" ? "" : " \(shortNumber(sys.smearing_width_Ha)) Ha")")
            for (element, path) in (sys.pseudopotential_files ?? [:]).sorted(by: { $0.key < $1.key }) {
                let sha = sys.pseudopotential_sha256?[element].map { " sha256:\($0)" } ?? ""
                row("pseudopotential \(element)", path + sha, field: "pseudopotential_file")
            }
            if let f = sys.config_file { row("config", f) }
            if let c = sys.structure_cif {
                row("structure: CIF input cell", c.inputText, field: "structure_cif_input")
                row("structure: primitive cell computed", c.primitiveText, field: "structure_cif_primitive")
            }
        }
        row("scan points", "\(scan.count)", field: "points")
        row("converged", "\(converged)", field: "converged")
        row("not converged or failed", "\(failed)", field: "failed")
        if let f = document.final_point {
            row("final point", "\(f.id): \(f.status.rawValue)" + (f.free_energy_Ha.map { String(format: ", F = %.8f Ha", $0) } ?? ""))
        }
        row("stages", stages.map { st in "\(st) (\(records.filter { $0.stage == st }.count))" }.joined(separator: ", "))
        row("wall time of all points", String(format: "%.1f s (%.3f core-hours)", wall, coreHours))
        if let first = times.first, let last = times.last { row("points finished", "\(first) … \(last)") }
        row("hosts", Set(records.map(\.host)).sorted().joined(separator: ", "))
        if let src = recordsSource { row("records read from", src) }
        for k in document.provenance.keys.sorted() { row(k, document.provenance[k]!) }
        for (k, v) in metadata ?? [] { row("metadata: \(k)", v) }
        s += "</table>\n"
        for w in document.warnings { s += "<div class=\"warn\">\(htmlEscaped(w))</div>\n" }
        return s
    }

    func recommendedSection() -> String {
        var s = "<h2 id=\"recommended\">Recommended parameters</h2>\n"
        guard let r = document.recommended else {
            return s + "<p>No recommendation: the system description (analysis.json) is missing.</p>\n"
        }
        s += "<table id=\"recommended-table\"><tr><th>parameter</th><th>value</th><th>from</th></tr>"
        func row(_ name: String, _ value: String, field: String, source: String?) {
            s += "<tr><td>\(htmlEscaped(name))</td><td class=\"num\" data-field=\"\(field)\">\(htmlEscaped(value))</td><td>\(htmlEscaped(source ?? ""))</td></tr>"
        }
        row("plane-wave cutoff (Ha)", shortNumber(r.ecut_Ha), field: "ecut_Ha", source: r.sources["ecut"])
        row("plane-wave cutoff (Ry)", shortNumber(r.ecut_Ry), field: "ecut_Ry", source: "ecutrho = 4 × ecutwfc = \(shortNumber(r.ecutrho_Ry)) Ry (norm-conserving)")
        row("k-point mesh", r.kmesh.map(String.init).joined(separator: "x"), field: "kmesh", source: r.sources["kmesh"])
        if let k = r.kspacing_per_angstrom {
            row("k-point spacing (1/Å)", String(format: "%.4g", k), field: "kspacing_per_angstrom", source: r.sources["kspacing"])
        }
        row("k-mesh shift", r.kshift.map { $0 == 0 ? "0" : "0.5" }.joined(separator: " "), field: "kshift", source: r.kshift == [0, 0, 0] ? "Γ-centred" : "shifted")
        row("smearing", r.smearing.type == "none" ? "none" : "\(r.smearing.type) \(shortNumber(r.smearing.width_Ha)) Ha", field: "smearing", source: "the config's")
        if let a = r.lattice_constant_angstrom {
            row("lattice constant (Å)", String(format: "%.4f", a), field: "lattice_constant_angstrom", source: r.sources["lattice_constant"])
        }
        if let c = r.crystal {
            row("crystal system", c.crystal_system, field: "crystal_system", source: "spglib")
            row("space group", "\(c.space_group_symbol) (\(c.space_group_number))", field: "space_group", source: "spglib")
            row("a, b, c (Å)", String(format: "%.4f, %.4f, %.4f", c.a_angstrom, c.b_angstrom, c.c_angstrom), field: "cell_lengths_angstrom", source: c.cell)
            row("α, β, γ (°)", String(format: "%.2f, %.2f, %.2f", c.alpha_deg, c.beta_deg, c.gamma_deg), field: "cell_angles_deg", source: c.cell)
            row("c/a", String(format: "%.4f", c.c_over_a), field: "c_over_a", source: c.cell)
        }
        if let h = r.lattice_stage_held_fixed { row("held fixed", h, field: "lattice_stage_held_fixed", source: "lattice stage") }
        if let v = r.equilibrium_volume_angstrom3_per_atom, let vc = r.equilibrium_volume_angstrom3 {
            row("equilibrium volume V0 (Å³/atom; per cell)", String(format: "%.4f; %.4f", v, vc), field: "equilibrium_volume_angstrom3_per_atom",
                source: "Birch–Murnaghan fit")
        }
        if let b = r.bulk_modulus_GPa { row("bulk modulus B0 (GPa)", String(format: "%.2f", b), field: "bulk_modulus_GPa", source: "Birch–Murnaghan fit") }
        if let b1 = r.bulk_modulus_derivative { row("B1 = dB/dP", String(format: "%.3f", b1), field: "bulk_modulus_derivative", source: "Birch–Murnaghan fit") }
        if let g = r.gap_eV { row("band gap (eV)", String(format: "%.4f", g), field: "gap_eV", source: r.gap_type) }
        if r.metallic == true { row("band gap (eV)", "none: metallic", field: "metallic", source: r.sources["metallic"]) }
        s += "</table>\n"
        if let f = r.final_point_forces {
            s += "<h3>Forces at the final point</h3><p data-field=\"final_point_forces\">\(htmlEscaped(f.text)); "
                + "threshold (analysis.force_warning) \(shortNumber(f.threshold_Ha_per_bohr)) Ha/bohr: "
                + "\(f.relaxed ? "relaxed" : "<b>not relaxed</b>")</p>\n"
            if let w = f.warning { s += "<div class=\"warn\">\(htmlEscaped(w))</div>\n" }
            s += "<table id=\"final-forces\"><tr><th>atom</th><th>element</th><th>F<sub>x</sub>, F<sub>y</sub>, F<sub>z</sub> (Ha/bohr)</th><th>|F| (Ha/bohr)</th></tr>"
            for a in f.forces {
                s += "<tr><td class=\"num\">\(a.atom)</td><td>\(htmlEscaped(a.element))</td>"
                    + "<td class=\"num\">\(a.force_Ha_per_bohr.map { String(format: "%+.6f", $0) }.joined(separator: ", "))</td>"
                    + "<td class=\"num\">\(String(format: "%.6f", a.magnitude_Ha_per_bohr))</td></tr>"
            }
            s += "</table>\n"
        }
        let links = files.filter { $0 != RunDirectory.reportFile && $0 != RunDirectory.analysisFile }
        if !links.isEmpty {
            s += "<p>Exports in the run directory: " + links.map { "<a href=\"\(htmlEscaped($0))\">\(htmlEscaped($0))</a>" }.joined(separator: ", ") + "</p>\n"
        }
        s += "<h3>Quantum ESPRESSO (pw.x)</h3><pre>\(htmlEscaped(Export.quantumEspresso(r)))</pre>\n"
        s += "<h3>ABINIT</h3><pre>\(htmlEscaped(Export.abinit(r)))</pre>\n"
        return s
    }

    func decisionsSection() -> String {
        var s = "<h2 id=\"decisions\">Convergence decisions</h2>\n"
        if document.decisions.isEmpty { return s + "<p>No convergence stage (cutoff, k-mesh or smearing scan) in this run.</p>\n" }
        var plots: [String] = []
        for (i, d) in document.decisions.enumerated() {
            let cls = d.converged ? "ok" : "bad"
            let tol = tolerances(d)
            s += "<h3>\(htmlEscaped(d.stage))</h3><p class=\"decision \(cls)\" data-field=\"decision\">\(htmlEscaped(d.message))</p>\n"
            s += "<p class=\"small\" data-field=\"criteria\">Criteria: |ΔE| ≤ \(shortNumber(tol.energy_eV_per_atom * 1000)) meV/atom against the most converged value, for the chosen value and every larger one"
            if tol.energy_difference { s += "; energy differences between two lattice constants within \(shortNumber(tol.energy_difference_eV_per_atom * 1000)) meV/atom" }
            if tol.gap { s += "; gap within \(shortNumber(tol.gap_eV * 1000)) meV" }
            if let p = tol.pressure_GPa { s += "; pressure within \(shortNumber(p)) GPa" }
            if let f = tol.force_Ha_per_bohr { s += "; every force within \(shortNumber(f)) Ha/bohr" }
            if let m = tol.magnetization_muB_per_atom { s += "; magnetization (total and absolute) within \(shortNumber(m)) μB/atom" }
            s += "; B0 within \(shortNumber(tol.bulk_modulus_relative * 100)) % where fitted.</p>\n"
            for w in d.warnings { s += "<div class=\"warn\">\(htmlEscaped(w))</div>\n" }
            let hasD = d.rows.contains { $0.delta_energy_difference_meV_per_atom != nil }
            let hasG = d.rows.contains { $0.delta_gap_meV != nil }
            let hasB = d.rows.contains { $0.delta_bulk_modulus_relative != nil }
            let hasP = d.rows.contains { $0.delta_pressure_GPa != nil }
            let hasF = d.rows.contains { $0.delta_force_Ha_per_bohr != nil }
            let hasM = d.rows.contains { $0.magnetization_muB_per_atom != nil }
            let hasDM = d.rows.contains { $0.delta_magnetization_muB_per_atom != nil }
            s += "<table><tr><th>value</th><th>E/atom (eV)</th><th>|ΔE| (meV/atom)</th>"
            if hasD { s += "<th>|Δ(E(a₂)−E(a₁))| (meV/atom)</th>" }
            if hasG { s += "<th>|ΔEgap| (meV)</th>" }
            if hasB { s += "<th>|ΔB0|/B0 (%)</th>" }
            if hasP { s += "<th>|ΔP| (GPa)</th>" }
            if hasF { s += "<th>max|ΔF| (Ha/bohr)</th>" }
            if hasM { s += "<th>M/atom (μB)</th><th>∫|m|/atom (μB)</th>" }
            if hasDM { s += "<th>|ΔM| (μB/atom)</th>" }
            s += "<th>within tolerance</th></tr>"
            for r in d.rows {
                let mark = r.label == d.chosen ? " <b>← chosen</b>" : (r.label == d.reference ? " (reference)" : "")
                s += "<tr><td>\(htmlEscaped(r.label))\(mark)</td><td class=\"num\">\(r.energy_per_atom_eV.map { String(format: "%.6f", $0) } ?? "failed")</td>"
                s += "<td class=\"num\">\(r.delta_energy_meV_per_atom.map { String(format: "%.4f", $0) } ?? "–")</td>"
                if hasD { s += "<td class=\"num\">\(r.delta_energy_difference_meV_per_atom.map { String(format: "%.4f", $0) } ?? "–")</td>" }
                if hasG { s += "<td class=\"num\">\(r.delta_gap_meV.map { String(format: "%.3f", $0) } ?? "–")</td>" }
                if hasB { s += "<td class=\"num\">\(r.delta_bulk_modulus_relative.map { String(format: "%.3f", $0 * 100) } ?? "–")</td>" }
                if hasP { s += "<td class=\"num\" data-field=\"delta_pressure_GPa\">\(r.delta_pressure_GPa.map { String(format: "%.4f", $0) } ?? "–")</td>" }
                if hasF { s += "<td class=\"num\" data-field=\"delta_force_Ha_per_bohr\">\(r.delta_force_Ha_per_bohr.map { String(format: "%.2e", $0) } ?? "–")</td>" }
                if hasM {
                    s += "<td class=\"num\" data-field=\"magnetization_muB_per_atom\">\(r.magnetization_muB_per_atom.map { String(format: "%.4f", $0) } ?? "–")</td>"
                    s += "<td class=\"num\" data-field=\"absolute_magnetization_muB_per_atom\">\(r.absolute_magnetization_muB_per_atom.map { String(format: "%.4f", $0) } ?? "–")</td>"
                }
                if hasDM { s += "<td class=\"num\" data-field=\"delta_magnetization_muB_per_atom\">\(r.delta_magnetization_muB_per_atom.map { String(format: "%.2e", $0) } ?? "–")</td>" }
                s += "<td>\(r.label == d.reference ? "reference" : (r.passes ? "yes" : "no"))</td></tr>"
            }
            s += "</table>\n"
            plots.append(convergencePlot(d, index: i))
            if hasM { plots.append(magnetizationPlot(d, index: i)) }
        }
        s += "<div class=\"plots\">" + plots.joined(separator: "\n") + "</div>\n"
        return s
    }

    /// The criteria a decision was made with (those of its stage in the settings, for files written before decisions kept them).
    func tolerances(_ d: ConvergenceDecision) -> ConvergenceCriteria {
        d.tolerances ?? document.settings.criteria(for: d.stage)
    }

    func convergencePlot(_ d: ConvergenceDecision, index: Int) -> String {
        let tolMeV = tolerances(d).energy_eV_per_atom * 1000
        let rows = d.rows.filter { $0.label != d.reference }
        var plot = SVGPlot(id: "plot-convergence-\(index)", title: "\(d.stage): |ΔE| per atom vs \(d.parameter == .kmesh ? "k-mesh" : d.parameter.rawValue)",
                           xLabel: d.parameter == .kmesh ? "k-point mesh" : d.x_label, yLabel: "|ΔE| (meV/atom), log scale")
        plot.width = 550
        plot.yLog = true
        let x: (ConvergenceDecision.Row) -> Double = { r in d.parameter == .kmesh ? pow(r.x, 1.0 / 3) : r.x }
        if d.parameter == .kmesh { plot.xTicks = d.rows.map { (pow($0.x, 1.0 / 3), $0.kmesh.map(String.init).joined(separator: "x")) } }
        if d.parameter == .smearing { plot.xLog = true }
        // a zero difference cannot be drawn on a log scale: shown at 1e-6 meV/atom
        func floor(_ v: Double) -> Double { max(v, 1e-6) }
        plot.series.append(.init(name: "|ΔE| per atom", points: rows.compactMap { r in r.delta_energy_meV_per_atom.map { (x(r), floor($0)) } },
                                 color: Self.colors[0], markers: true))
        if rows.contains(where: { $0.delta_energy_difference_meV_per_atom != nil }) {
            plot.series.append(.init(name: "|Δ(E(a₂)−E(a₁))| per atom", points: rows.compactMap { r in r.delta_energy_difference_meV_per_atom.map { (x(r), floor($0)) } },
                                     color: Self.colors[2], markers: true, dashed: true))
        }
        if rows.contains(where: { $0.delta_gap_meV != nil }) {
            plot.series.append(.init(name: "|ΔEgap| (meV)", points: rows.compactMap { r in r.delta_gap_meV.map { (x(r), floor($0)) } },
                                     color: Self.colors[3], markers: true, dashed: true))
        }
        plot.hLines.append(.init(value: tolMeV, label: "tolerance \(shortNumber(tolMeV)) meV/atom", color: "#d62728"))
        // the axis spans every value, the reference (|ΔE| = 0, not drawable on a log scale) included
        plot.xRange = SVGPlot.padded(d.rows.map(x), log: plot.xLog, pad: 0.05)
        if let r = d.rows.first(where: { $0.label == d.reference }) {
            plot.vLines.append(.init(value: x(r), label: "reference", color: "#888", labelAtBottom: true))
        }
        if let c = d.rows.first(where: { $0.label == d.chosen }), d.converged {
            plot.vLines.append(.init(value: x(c), label: "chosen", color: "#2ca02c"))
        }
        return plot.render()
    }

    /// The magnetisation per atom (total and absolute) against the stage's parameter, with the
    /// tolerance band around the reference when the magnetisation is converged.
    func magnetizationPlot(_ d: ConvergenceDecision, index: Int) -> String {
        let what = d.parameter == .kmesh ? "k-mesh" : d.parameter.rawValue
        var plot = SVGPlot(id: "plot-magnetization-\(index)", title: "\(d.stage): magnetic moment per atom vs \(what)",
                           xLabel: d.parameter == .kmesh ? "k-point mesh" : d.x_label, yLabel: "moment (μB/atom)")
        plot.width = 550
        let x: (ConvergenceDecision.Row) -> Double = { r in d.parameter == .kmesh ? pow(r.x, 1.0 / 3) : r.x }
        if d.parameter == .kmesh { plot.xTicks = d.rows.map { (pow($0.x, 1.0 / 3), $0.kmesh.map(String.init).joined(separator: "x")) } }
        if d.parameter == .smearing { plot.xLog = true }
        plot.series.append(.init(name: "M per atom", points: d.rows.compactMap { r in r.magnetization_muB_per_atom.map { (x(r), $0) } },
                                 color: Self.colors[0], markers: true))
        plot.series.append(.init(name: "∫|m| per atom", points: d.rows.compactMap { r in r.absolute_magnetization_muB_per_atom.map { (x(r), $0) } },
                                 color: Self.colors[2], markers: true, dashed: true))
        plot.xRange = SVGPlot.padded(d.rows.map(x), log: plot.xLog, pad: 0.05)
        if let tol = tolerances(d).magnetization_muB_per_atom, let m = d.rows.first(where: { $0.label == d.reference })?.magnetization_muB_per_atom {
            plot.hLines.append(.init(value: m + tol, label: "reference ± \(shortNumber(tol)) μB/atom", color: "#d62728"))
            plot.hLines.append(.init(value: m - tol, label: "", color: "#d62728"))
        }
        if let c = d.rows.first(where: { $0.label == d.chosen }), d.converged {
            plot.vLines.append(.init(value: x(c), label: "chosen", color: "#2ca02c"))
        }
        return plot.render()
    }

    func eosSection() -> String {
        var s = "<h2 id=\"eos\">Equation of state</h2>\n"
        guard let eos = document.eos else {
            if let e = document.eos_error { return s + "<div class=\"warn\">\(htmlEscaped(document.eos_stage ?? "lattice")): \(htmlEscaped(e))</div>\n" }
            return s + "<p>No lattice-constant scan in this run.</p>\n"
        }
        let bm = eos.preferred
        s += "<p class=\"decision\" data-field=\"eos\">" + htmlEscaped(String(format: "a0 = %.4f Å, V0 = %.4f Å³/atom (%@ fit of %d points, stage %@), B0 = %.2f GPa, B0′ = %.2f",
                                                                                bm.a0_angstrom, bm.V0_bohr3 / pow(Units.angstrom, 3) / Double(eos.atoms),
                                                                                bm.form.title, eos.points.count, document.eos_stage ?? "lattice",
                                                                                bm.B0_GPa, bm.B0_prime)) + "</p>\n"
        for w in eos.warnings { s += "<div class=\"warn\">\(htmlEscaped(w))</div>\n" }
        if let p = eos.proposed_window_angstrom {
            s += "<p>Proposed next window: \(p.map { String(format: "%.3f", $0) }.joined(separator: ", ")) Å</p>\n"
        }
        func pm(_ v: Double, _ u: Double?, _ format: String) -> String {
            String(format: format, v) + (u.map { " ± " + String(format: format, $0) } ?? "")
        }
        s += "<table id=\"eos-table\"><tr><th>form</th><th>a0 (Å)</th><th>V0 (bohr³)</th><th>B0 (GPa)</th><th>B0′</th><th>E0 (Ha)</th><th>RMS residual (meV/atom)</th></tr>"
        for f in eos.fits {
            s += "<tr data-form=\"\(f.form.rawValue)\"><td>\(htmlEscaped(f.form.title))</td>"
            s += "<td class=\"num\" data-field=\"a0_angstrom\">\(pm(f.a0_angstrom, f.a0_uncertainty_angstrom, "%.5f"))</td>"
            s += "<td class=\"num\" data-field=\"V0_bohr3\">\(pm(f.V0_bohr3, f.V0_uncertainty_bohr3, "%.4f"))</td>"
            s += "<td class=\"num\" data-field=\"B0_GPa\">\(pm(f.B0_GPa, f.B0_uncertainty_GPa, "%.3f"))</td>"
            s += "<td class=\"num\" data-field=\"B0_prime\">\(pm(f.B0_prime, f.B0_prime_uncertainty, "%.3f"))</td>"
            s += "<td class=\"num\" data-field=\"E0_Ha\">\(pm(f.E0_Ha, f.E0_uncertainty_Ha, "%.8f"))</td>"
            s += "<td class=\"num\">\(String(format: "%.2e", f.rms_residual_meV_per_atom))</td></tr>"
        }
        s += "</table>\n"
        s += eosEquilibriumTable(eos)
        // E(V) with the fits, and the residuals
        let perAtom = 1000 * Units.hartreeInEV / Double(eos.atoms)
        let vs = eos.points.map(\.volume_bohr3)
        let lo = min(vs.min()!, bm.V0_bohr3), hi = max(vs.max()!, bm.V0_bohr3)
        let pad = (hi - lo) * 0.05
        let grid = (0...120).map { lo - pad + (hi - lo + 2 * pad) * Double($0) / 120 }
        var ev = SVGPlot(id: "plot-eos", title: "E(V) and the equation-of-state fits", xLabel: "V (bohr³ per cell)",
                         yLabel: "E − E0 (meV/atom)")
        ev.width = 550
        for (i, f) in eos.fits.enumerated() {
            ev.series.append(.init(name: f.form.title, points: grid.map { ($0, (f.energy(volume: $0) - bm.E0_Ha) * perAtom) },
                                   color: Self.colors[i + 1], dashed: i > 0))
        }
        ev.series.append(.init(name: "computed", points: eos.points.map { ($0.volume_bohr3, ($0.energy_Ha - bm.E0_Ha) * perAtom) },
                               color: "#000", line: false, markers: true))
        ev.vLines.append(.init(value: bm.V0_bohr3, label: String(format: "V0 (a0 = %.4f Å)", bm.a0_angstrom), color: "#2ca02c",
                               labelAtBottom: true))
        var res = SVGPlot(id: "plot-eos-residuals", title: "Fit residuals", xLabel: "V (bohr³ per cell)", yLabel: "E − E_fit (meV/atom)")
        res.width = 550
        for (i, f) in eos.fits.enumerated() {
            res.series.append(.init(name: f.form.title, points: zip(eos.points, f.residuals_meV_per_atom).map { ($0.volume_bohr3, $1) },
                                    color: Self.colors[i + 1], line: true, markers: true, dashed: i > 0))
        }
        res.hLines.append(.init(value: 0, label: "", color: "#444", dashed: false))
        s += "<div class=\"plots\">\(ev.render())\n\(res.render())</div>\n"
        s += "<table><tr><th>a (Å)</th><th>V (bohr³)</th><th>F (Ha)</th><th>P (GPa)</th></tr>"
        for p in eos.points {
            s += "<tr><td class=\"num\">\(String(format: "%.4f", p.lattice_constant_angstrom))</td><td class=\"num\">\(String(format: "%.4f", p.volume_bohr3))</td><td class=\"num\">\(String(format: "%.8f", p.energy_Ha))</td>"
                + "<td class=\"num\">\(p.pressure_GPa.map { String(format: "%.4f", $0) } ?? "—")</td></tr>"
        }
        s += "</table>\n"
        s += pressureCheckSection(eos)
        s += verificationSection(eos)
        return s
    }

    func bandsSection() -> String {
        var s = "<h2 id=\"bands\">Band structure and density of states</h2>\n"
        // the material's own numbers only where they are known (GaAs, the first material)
        let example = document.system?.formula == "GaAs" ? ": for GaAs PBE gives about 0.5 eV against 1.42 eV measured (300 K)" : ""
        s += "<p class=\"note\"><b>Semi-local DFT gaps are far below experiment.</b> LDA and GGA (e.g. PBE) band gaps "
            + "underestimate measured gaps, often by half or more\(example). The gap here is a convergence check of the numerical "
            + "parameters, not a prediction; use hybrid functionals or GW for gaps.</p>\n"
        guard let b = document.bands else {
            return s + "<p>No bands or DOS: \(document.final_point == nil ? "no final point was computed" : "the final point did not converge or the band calculation failed").</p>\n"
        }
        let ref = b.reference_energy_Ha
        let ev = Units.hartreeInEV
        if let f = document.final_point {
            s += "<p>Non-self-consistent, from the converged density of the final point \(htmlEscaped(f.id)) (F = \(f.free_energy_Ha.map { String(format: "%.8f", $0) } ?? "–") Ha). "
            s += "Path \(htmlEscaped(b.bands.path)) (\(htmlEscaped(b.bands.lattice)), Setyawan–Curtarolo), \(b.bands.kpoints_reduced.count) k-points; "
            s += "DOS on a Γ-centred \(b.dos.kmesh.map(String.init).joined(separator: "x")) mesh (\(b.dos.n_irreducible_k) irreducible k), Gaussian broadening \(shortNumber(b.dos.broadening_eV)) eV.</p>\n"
        }
        if let g = b.gap {
            s += "<table id=\"gap-table\"><tr><th>gap (eV)</th><td class=\"num\" data-field=\"gap_eV\">\(String(format: "%.4f", g.gap_eV))</td></tr>"
            s += "<tr><th>type</th><td data-field=\"gap_type\">\(htmlEscaped(g.text))</td></tr>"
            s += "<tr><th>VBM (eV, ABINIT convention)</th><td class=\"num\">\(String(format: "%.4f", g.vbm_Ha * ev)) at k = (\(g.vbm_k.map { String(format: "%.4f", $0) }.joined(separator: ", ")))</td></tr>"
            s += "<tr><th>CBM (eV, ABINIT convention)</th><td class=\"num\">\(String(format: "%.4f", g.cbm_Ha * ev)) at k = (\(g.cbm_k.map { String(format: "%.4f", $0) }.joined(separator: ", ")))</td></tr></table>\n"
        } else {
            s += "<p>No gap: metallic (or an odd number of electrons). Energies are relative to the Fermi level.</p>\n"
        }
        let zero = b.gap == nil ? "E_F" : "VBM"
        var bp = SVGPlot(id: "plot-bands", title: "Band structure", xLabel: "wave vector along \(b.bands.path)", yLabel: "E − \(zero) (eV)")
        bp.width = 660
        bp.height = 420
        bp.legend = false
        bp.xGrid = true
        bp.xTicks = b.bands.ticks.map { ($0.distance, $0.label) }
        bp.xRange = (b.bands.distance_inv_bohr.first ?? 0)...(b.bands.distance_inv_bohr.last ?? 1)
        let nb = b.bands.eigenvalues_Ha.first?.count ?? 0
        let down = b.bands.eigenvalues_down_Ha
        if down != nil {
            bp.title = "Band structure (spin up solid, spin down dashed)"
            bp.legend = true
        }
        for n in 0..<nb {
            let pts = b.bands.eigenvalues_Ha.enumerated().map { (b.bands.distance_inv_bohr[$0.offset], ($0.element[n] - ref) * ev) }
            if down == nil {
                bp.series.append(.init(name: "_band \(n + 1)", points: pts, color: n < b.electrons / 2 ? Self.colors[0] : Self.colors[1],
                                       breaks: Set(b.bands.run_starts)))
            } else {
                bp.series.append(.init(name: n == 0 ? "spin up" : "_up \(n + 1)", points: pts, color: Self.colors[0], breaks: Set(b.bands.run_starts)))
            }
        }
        if let down {
            for n in 0..<(down.first?.count ?? 0) {
                let pts = down.enumerated().map { (b.bands.distance_inv_bohr[$0.offset], ($0.element[n] - ref) * ev) }
                bp.series.append(.init(name: n == 0 ? "spin down" : "_down \(n + 1)", points: pts, color: Self.colors[3], dashed: true,
                                       breaks: Set(b.bands.run_starts)))
            }
        }
        bp.hLines.append(.init(value: 0, label: zero, color: "#666"))
        if let g = b.gap {
            let nocc = b.electrons / 2
            var vbmPts: [(Double, Double)] = [], cbmPts: [(Double, Double)] = []
            for (i, e) in b.bands.eigenvalues_Ha.enumerated() {
                if abs(e[nocc - 1] - g.vbm_Ha) < 1e-9 { vbmPts.append((b.bands.distance_inv_bohr[i], 0)) }
                if e.count > nocc, abs(e[nocc] - g.cbm_Ha) < 1e-9 { cbmPts.append((b.bands.distance_inv_bohr[i], (g.cbm_Ha - ref) * ev)) }
            }
            bp.series.append(.init(name: "_VBM", points: vbmPts, color: "#2ca02c", line: false, markers: true, markerRadius: 5))
            bp.series.append(.init(name: "_CBM", points: cbmPts, color: "#ff7f0e", line: false, markers: true, markerRadius: 5))
            if let v = vbmPts.first { bp.annotations.append((v.0, v.1, "VBM", "#2ca02c", 15)) }
            if let c = cbmPts.first { bp.annotations.append((c.0, c.1, String(format: "CBM (gap %.3f eV)", g.gap_eV), "#ff7f0e", -7)) }
        }
        var dp = SVGPlot(id: "plot-dos", title: "Density of states", xLabel: "E − \(zero) (eV)", yLabel: "DOS (states/eV/cell)")
        dp.width = 420
        dp.height = 420
        dp.legend = false
        let xs = b.dos.energies_Ha.map { ($0 - ref) * ev }
        var bottom = 0.0
        if let up = b.dos.dos_up_states_per_eV, let dn = b.dos.dos_down_states_per_eV {
            // spin-resolved: spin up above the axis, spin down mirrored below it
            dp = SVGPlot(id: "plot-dos", title: "Density of states per spin (down mirrored)", xLabel: "E − \(zero) (eV)",
                         yLabel: "DOS (states/eV/cell), ↑ up, ↓ down")
            dp.width = 420
            dp.height = 420
            dp.series.append(.init(name: "spin up", points: Array(zip(xs, up)), color: Self.colors[0]))
            dp.series.append(.init(name: "spin down", points: Array(zip(xs, dn.map { -$0 })), color: Self.colors[3]))
            dp.hLines.append(.init(value: 0, label: "", color: "#666", dashed: false))
            bottom = -(dn.max() ?? 1) * 1.08
        } else {
            dp.series.append(.init(name: "_DOS", points: Array(zip(xs, b.dos.dos_states_per_eV)), color: Self.colors[0]))
        }
        dp.vLines.append(.init(value: 0, label: zero, color: "#666"))
        if b.gap != nil {
            dp.vLines.append(.init(value: (b.dos.fermi_level_Ha - ref) * ev, label: "E_F", color: "#d62728", labelAtBottom: true))
        }
        let top = b.dos.dos_up_states_per_eV?.max() ?? b.dos.dos_states_per_eV.max() ?? 1
        dp.yRange = bottom...(top * 1.08)
        s += "<div class=\"plots\">\(bp.render())\n\(dp.render())</div>\n"
        s += "<p class=\"small\">Data: bands.csv (E − \(zero) per band and k-point), dos.csv. Computed in \(String(format: "%.1f", b.seconds)) s.</p>\n"
        return s
    }

    func failedSection() -> String {
        var s = "<h2 id=\"failed\">Failed points</h2>\n"
        let failed = records.filter { $0.status != .converged }
        if failed.isEmpty { return s + "<p id=\"no-failed\">None: every point converged.</p>\n" }
        s += "<table id=\"failed-table\"><tr><th>point</th><th>stage</th><th>status</th><th>reason</th><th>wall time (s)</th><th>ranks</th><th>host</th></tr>"
        for r in failed {
            s += "<tr data-id=\"\(htmlEscaped(r.id))\"><td>\(htmlEscaped(r.id))</td><td>\(htmlEscaped(r.stage))</td>"
            s += "<td class=\"bad\" data-field=\"status\">\(r.status.rawValue)</td><td data-field=\"error\">\(htmlEscaped(r.error ?? ""))</td>"
            s += "<td class=\"num\" data-field=\"wall_time_s\">\(String(format: "%.2f", r.wall_time_s))</td><td class=\"num\">\(r.ranks)</td><td>\(htmlEscaped(r.host))</td></tr>"
        }
        return s + "</table>\n"
    }

    func timingsSection() -> String {
        var s = "<h2 id=\"timings\">Timings</h2>\n"
        guard !records.isEmpty else { return s + "<p>No points.</p>\n" }
        var plot = SVGPlot(id: "plot-timings", title: "Wall time per point (in run order)", xLabel: "point", yLabel: "wall time (s)")
        plot.width = 900
        plot.legend = true
        var stages: [String] = []
        for r in records where !stages.contains(r.stage) { stages.append(r.stage) }
        for (i, st) in stages.enumerated() {
            let pts = records.enumerated().filter { $0.element.stage == st }.map { (Double($0.offset + 1), $0.element.wall_time_s) }
            plot.series.append(.init(name: st, points: pts, color: Self.colors[i % Self.colors.count], line: false,
                                     bars: true, barWidth: max(2, min(14, 700 / Double(records.count) * 0.7))))
        }
        plot.xRange = 0...(Double(records.count) + 1)
        let longest = records.map(\.wall_time_s).max() ?? 1, shortest = max(records.map(\.wall_time_s).min() ?? 1, 1e-3)
        if longest / shortest > 30 {
            // very different times (a timeout among short points): log scale
            plot.yLog = true
            plot.yLabel = "wall time (s), log scale"
            plot.yRange = (shortest / 2)...(longest * 1.5)
        } else {
            plot.yRange = 0...(longest * 1.1 + 1e-9)
        }
        s += plot.render() + "\n"
        // per rank group: the records carry the size of the group and its host
        struct G { var points = 0; var wall = 0.0; var maxWall = 0.0; var ranks = 0; var host = "" }
        var groups: [String: G] = [:]
        for r in records {
            let key = "\(r.ranks) rank\(r.ranks == 1 ? "" : "s") on \(r.host)"
            var g = groups[key] ?? G(ranks: r.ranks, host: r.host)
            g.points += 1; g.wall += r.wall_time_s; g.maxWall = max(g.maxWall, r.wall_time_s)
            groups[key] = g
        }
        s += "<h3>Per rank group</h3><table id=\"group-timings\"><tr><th>group</th><th>points</th><th>total wall time (s)</th><th>mean (s)</th><th>longest (s)</th><th>core-hours</th></tr>"
        for key in groups.keys.sorted() {
            let g = groups[key]!
            s += "<tr><td>\(htmlEscaped(key))</td><td class=\"num\">\(g.points)</td><td class=\"num\">\(String(format: "%.1f", g.wall))</td>"
            s += "<td class=\"num\">\(String(format: "%.2f", g.wall / Double(g.points)))</td><td class=\"num\">\(String(format: "%.2f", g.maxWall))</td>"
            s += "<td class=\"num\">\(String(format: "%.4f", g.wall * Double(g.ranks) / 3600))</td></tr>"
        }
        s += "</table>\n"
        return s
    }

    func pointsSection() -> String {
        var s = "<h2 id=\"points\">All points</h2>\n<table id=\"points-table\"><tr><th>point</th><th>stage</th><th>ecut (Ha)</th><th>k-mesh</th><th>a (Å)</th>"
        s += "<th>status</th><th>F (Ha)</th><th>F/atom (eV)</th><th>gap (eV)</th><th>P (GPa)</th><th>max |F| (Ha/bohr)</th>"
        let magnetic = records.contains { $0.total_magnetization_muB != nil }
        if magnetic { s += "<th>M (μB/cell)</th><th>∫|m| (μB/cell)</th><th>moments in spheres (μB per atom; radii in bohr)</th>" }
        s += "<th>SCF iterations</th><th>wall time (s)</th><th>ranks</th></tr>"
        for r in records {
            s += "<tr data-id=\"\(htmlEscaped(r.id))\"><td>\(htmlEscaped(r.id))</td><td data-field=\"stage\">\(htmlEscaped(r.stage))</td>"
            s += "<td class=\"num\" data-field=\"ecut_Ha\">\(shortNumber(r.ecut_Ha))</td>"
            s += "<td data-field=\"kmesh\">\(r.kmesh.map(String.init).joined(separator: "x"))</td>"
            s += "<td class=\"num\" data-field=\"lattice_constant_angstrom\">\(String(format: "%.4f", r.lattice_constant_angstrom))</td>"
            s += "<td data-field=\"status\" class=\"\(r.status == .converged ? "ok" : "bad")\">\(r.status.rawValue)</td>"
            s += "<td class=\"num\" data-field=\"free_energy_Ha\">\(r.free_energy_Ha.map { String(format: "%.8f", $0) } ?? "–")</td>"
            s += "<td class=\"num\" data-field=\"free_energy_per_atom_eV\">\(r.free_energy_per_atom_eV.map { String(format: "%.6f", $0) } ?? "–")</td>"
            s += "<td class=\"num\" data-field=\"gap_eV\">\(r.isMetallic ? "metallic" : r.gap_Ha.map { String(format: "%.4f", $0 * Units.hartreeInEV) } ?? "–")</td>"
            s += "<td class=\"num\" data-field=\"pressure_GPa\">\(r.pressure_GPa.map { String(format: "%.4f", $0) } ?? "–")</td>"
            s += "<td class=\"num\" data-field=\"max_force_Ha_per_bohr\">\(r.largestForce.map { String(format: "%.2e", $0.magnitude) } ?? "–")</td>"
            if magnetic {
                s += "<td class=\"num\" data-field=\"total_magnetization_muB\">\(r.total_magnetization_muB.map { String(format: "%.4f", $0) } ?? "–")</td>"
                s += "<td class=\"num\" data-field=\"absolute_magnetization_muB\">\(r.absolute_magnetization_muB.map { String(format: "%.4f", $0) } ?? "–")</td>"
                let spheres = zip(r.atomic_moments_muB ?? [], r.sphere_radii_bohr ?? []).map { String(format: "%.3f (r %.2f)", $0, $1) }
                s += "<td class=\"num\" data-field=\"atomic_moments_muB\">\(spheres.isEmpty ? "–" : spheres.joined(separator: ", "))</td>"
            }
            s += "<td class=\"num\" data-field=\"scf_iterations\">\(r.scf_iterations.map(String.init) ?? "–")</td>"
            s += "<td class=\"num\" data-field=\"wall_time_s\">\(String(format: "%.2f", r.wall_time_s))</td>"
            s += "<td class=\"num\" data-field=\"ranks\">\(r.ranks)</td></tr>"
        }
        return s + "</table>\n"
    }
}
