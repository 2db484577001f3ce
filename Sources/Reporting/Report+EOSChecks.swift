import Foundation
import Convergence
import PlaneWave

/// The parts of the report's equation-of-state section beyond the fits: the equilibrium volume per
/// atom and per cell with the equivalent lattice parameters, the pressure-consistency check and the
/// ACWF verification against a reference equation of state.
extension RunReport {
    /// V0 (Å³/atom and per cell), B0, B1 and the lattice parameters of the cell at V0.
    func eosEquilibriumTable(_ eos: EquationOfState) -> String {
        let bm = eos.preferred
        let v0Cell = bm.V0_bohr3 / pow(Units.angstrom, 3)
        var s = "<table id=\"eos-equilibrium\"><tr><th>V0 (Å³/atom)</th><th>V0 (Å³ per cell)</th><th>B0 (GPa)</th><th>B1</th>"
            + "<th>equivalent lattice parameters at V0</th></tr><tr>"
        s += "<td class=\"num\" data-field=\"V0_angstrom3_per_atom\">\(String(format: "%.4f", v0Cell / Double(eos.atoms)))</td>"
        s += "<td class=\"num\" data-field=\"V0_angstrom3\">\(String(format: "%.4f", v0Cell))</td>"
        s += "<td class=\"num\" data-field=\"B0_GPa\">\(String(format: "%.3f", bm.B0_GPa))</td>"
        s += "<td class=\"num\" data-field=\"B1\">\(String(format: "%.3f", bm.B0_prime))</td>"
        var lattice = String(format: "a0 = %.5f Å (the config's lattice constant scaled to V0)", bm.a0_angstrom)
        if let c = document.recommended?.crystal, eos.minimum_inside_window {
            lattice = String(format: "a = %.5f Å, b = %.5f Å, c = %.5f Å, α = %.2f°, β = %.2f°, γ = %.2f° (%@)",
                             c.a_angstrom, c.b_angstrom, c.c_angstrom, c.alpha_deg, c.beta_deg, c.gamma_deg, c.cell)
        }
        s += "<td>\(htmlEscaped(lattice))</td></tr></table>\n"
        return s
    }

    /// The stress pressure against −dE/dV of the fit at every point.
    func pressureCheckSection(_ eos: EquationOfState) -> String {
        guard let c = eos.pressure_check else {
            return "<p class=\"small\">Pressure check: the points carry no pressure (records written before it was recorded).</p>\n"
        }
        var s = "<h3 id=\"pressure-check\">Pressure check: P of the stress against −dE/dV of the fit</h3>\n"
        s += "<p data-field=\"pressure_check\" class=\"\(c.passed ? "ok" : "bad")\">" + htmlEscaped(String(
            format: "largest |P_stress − P_fit| = %.3f GPa (mean %+.3f GPa), tolerance %.3g GPa: %@", c.max_abs_difference_GPa,
            c.mean_difference_GPa, c.tolerance_GPa, c.passed ? "consistent" : "NOT consistent")) + "</p>\n"
        s += "<p class=\"small\">Both are derivatives of the free energy; a nearly constant difference is the Pulay stress of "
            + "a fixed-cutoff scan (the stress keeps the plane waves fixed, E(V) does not): it vanishes as the cutoff converges.</p>\n"
        s += "<table id=\"pressure-check-table\"><tr><th>V (Å³/atom)</th><th>P stress (GPa)</th><th>−dE/dV fit (GPa)</th><th>difference (GPa)</th></tr>"
        for r in c.rows {
            s += "<tr><td class=\"num\">\(String(format: "%.4f", r.volume_angstrom3_per_atom))</td>"
            s += "<td class=\"num\" data-field=\"pressure_stress_GPa\">\(String(format: "%.4f", r.pressure_stress_GPa))</td>"
            s += "<td class=\"num\" data-field=\"pressure_fit_GPa\">\(String(format: "%.4f", r.pressure_fit_GPa))</td>"
            s += "<td class=\"num\" data-field=\"difference_GPa\">\(String(format: "%+.4f", r.difference_GPa))</td></tr>"
        }
        return s + "</table>\n"
    }

    /// Δ, ν and ε against the reference with the ACWF thresholds.
    func verificationSection(_ eos: EquationOfState) -> String {
        guard let v = eos.verification else { return "" }
        let r = v.reference
        var s = "<h3 id=\"eos-verification\">Verification against the reference equation of state (ACWF protocol)</h3>\n"
        s += "<p class=\"small\">" + htmlEscaped(String(format: "Reference: V0 = %.4f Å³/atom, B0 = %.3f GPa, B1 = %.3f", r.V0_angstrom3_per_atom,
                                                        r.B0_GPa, r.B1) + (r.source.map { " (\($0))" } ?? "")
                                                 + String(format: "; this run: V0 = %.4f Å³/atom, B0 = %.3f GPa, B1 = %.3f; window %.4f–%.4f Å³/atom "
                                                          + "(0.94–1.06 × the mean V0). Bosoni et al., Nat. Rev. Phys. 6, 45 (2024).",
                                                          v.V0_angstrom3_per_atom, v.B0_GPa, v.B1, v.window_angstrom3_per_atom[0],
                                                          v.window_angstrom3_per_atom[1])) + "</p>\n"
        s += "<table id=\"eos-verification-table\"><tr><th>metric</th><th>value</th><th>ACWF thresholds</th><th>rating</th></tr>"
        func row(_ name: String, _ field: String, _ value: String, _ thresholds: String, _ rating: String) {
            let cls = rating == "excellent" || rating == "good" ? "ok" : rating.isEmpty ? "" : "bad"
            s += "<tr><td>\(htmlEscaped(name))</td><td class=\"num\" data-field=\"\(field)\">\(value)</td><td>\(htmlEscaped(thresholds))</td>"
                + "<td class=\"\(cls)\" data-field=\"\(field)_rating\">\(rating)</td></tr>"
        }
        row("ε", "epsilon", String(format: "%.4f", v.epsilon), EOSVerification.thresholdText(EOSVerification.epsilonThresholds), v.epsilon_rating)
        row("ν", "nu", String(format: "%.4f", v.nu), EOSVerification.thresholdText(EOSVerification.nuThresholds), v.nu_rating)
        row("Δ (meV/atom)", "delta_meV_per_atom", String(format: "%.4f", v.delta_meV_per_atom), "none (Δ scales with B0)", "")
        return s + "</table>\n"
    }
}
