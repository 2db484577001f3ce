import Foundation

/// A Goedecker–Teter–Hutter pseudopotential (GTH 1996, HGH 1998, Krack 2005), all in atomic units.
///
/// Local part:  V_loc(r) = −Z erf(r/(√2 r_loc))/r + exp(−r²/2r_loc²) Σᵢ Cᵢ (r/r_loc)^{2(i−1)}
/// Non-local:   Σ_l Σ_ij Σ_m |p_i^l Y_lm⟩ h^l_ij ⟨p_j^l Y_lm|, with Gaussian projectors
///              p_i^l(r) = √2 r^{l+2(i−1)} e^{−r²/2r_l²} / (r_l^{l+(4i−1)/2} √Γ(l+(4i−1)/2)).
/// The h^l matrices are used in full, as CP2K tabulates them (Krack's are not HGH-constrained).
public struct GTHPseudopotential: Sendable, Equatable {
    public struct Channel: Sendable, Equatable {
        public let l: Int
        public let radius: Double
        /// Symmetric coupling matrix h_ij (Ha), n×n with n ≤ 3.
        public let h: [[Double]]
        public var count: Int { h.count }
        public init(l: Int, radius: Double, h: [[Double]]) { self.l = l; self.radius = radius; self.h = h }
    }

    public let element: String
    public let name: String
    /// Valence charge Z_ion.
    public let zion: Int
    public let rloc: Double
    public let c: [Double]
    public let channels: [Channel]

    public init(element: String, name: String, zion: Int, rloc: Double, c: [Double], channels: [Channel]) {
        self.element = element; self.name = name; self.zion = zion; self.rloc = rloc; self.c = c; self.channels = channels
    }

    // MARK: reciprocal space

    /// Fourier transform of the local part, ∫ V_loc(r) e^{−iq·r} d³r (Ha·bohr³), for q > 0.
    public func localFourier(_ q: Double) -> Double {
        let x = q * rloc, x2 = x * x
        let e = exp(-x2 / 2)
        return -4 * Double.pi * Double(zion) / (q * q) * e + gaussianPolynomial(x2) * e
    }

    /// d/dq of `localFourier`: with x = q r_loc, e = e^{−x²/2} (de/dq = −q r_loc² e) and P(x²) below,
    ///   4πZ e (2/q³ + r_loc²/q) + [2 P′(x²) − P(x²)] q r_loc² e.
    public func localFourierDerivative(_ q: Double) -> Double {
        let x = q * rloc, x2 = x * x
        let e = exp(-x2 / 2)
        let coulomb = 4 * Double.pi * Double(zion) * e * (2 / (q * q * q) + rloc * rloc / q)
        return coulomb + (2 * gaussianPolynomialDerivative(x2) - gaussianPolynomial(x2)) * q * rloc * rloc * e
    }

    /// d/d(x²) of `gaussianPolynomial`.
    private func gaussianPolynomialDerivative(_ x2: Double) -> Double {
        let pref = pow(2 * Double.pi, 1.5) * rloc * rloc * rloc
        var s = 0.0
        if c.count > 1 { s -= c[1] }
        if c.count > 2 { s += c[2] * (-10 + 2 * x2) }
        if c.count > 3 { s += c[3] * (-105 + 42 * x2 - 3 * x2 * x2) }
        return pref * s
    }

    /// (2π)^{3/2} r_loc³ Σ Cᵢ Pᵢ(x²), the non-Coulomb part of the local transform without its Gaussian.
    private func gaussianPolynomial(_ x2: Double) -> Double {
        let pref = pow(2 * Double.pi, 1.5) * rloc * rloc * rloc
        var s = 0.0
        if c.count > 0 { s += c[0] }
        if c.count > 1 { s += c[1] * (3 - x2) }
        if c.count > 2 { s += c[2] * (15 - 10 * x2 + x2 * x2) }
        if c.count > 3 { s += c[3] * (105 - 105 * x2 + 21 * x2 * x2 - x2 * x2 * x2) }
        return pref * s
    }

    /// The q → 0 limit of the local transform without its Coulomb tail:
    /// ε = lim [V_loc(q) + 4πZ/q²] = 2πZ r_loc² + (2π)^{3/2} r_loc³ (C₁ + 3C₂ + 15C₃ + 105C₄).
    /// Σ_atoms ε · N_electrons / Ω is the "psp core" energy.
    public var localCoreTerm: Double {
        2 * Double.pi * Double(zion) * rloc * rloc + gaussianPolynomial(0)
    }

    /// Radial Fourier transform of projector i (0-based) of channel l at |q| (HGH 1998, eq. 9–16):
    /// ∫ p_i^l(r) Y_lm(r̂) e^{−iq·r} d³r = (−i)^l Y_lm(q̂) · projectorFourier(i, l, q).
    public func projectorFourier(channel: Channel, i: Int, q: Double) -> Double {
        projectorFourier(channel: channel, i: i, q: [q])[0]
    }

    /// `projectorFourier` at every q of a list, scaled by `scale`: C r^{l+3/2} π^{5/4} q^l P(x²) e^{−x²/2}
    /// with x = q r (the constant evaluated once).
    public func projectorFourier(channel: Channel, i: Int, q: [Double], scale: Double = 1) -> [Double] {
        let l = channel.l
        return projectorTransform(channel: channel, i: i, q: q, scale: scale) { q, p, _ in
            var ql = 1.0
            for _ in 0..<l { ql *= q }
            return ql * p
        }
    }

    /// d/dq of `projectorFourier`: C r^{l+3/2} π^{5/4} e^{−x²/2} [l q^{l−1} P + q^{l+1} r² (2P′ − P)], P′ = dP/d(x²).
    public func projectorFourierDerivative(channel: Channel, i: Int, q: [Double], scale: Double = 1) -> [Double] {
        let l = channel.l, r2 = channel.radius * channel.radius
        return projectorTransform(channel: channel, i: i, q: q, scale: scale) { q, p, dp in
            let lower = l == 0 ? 0 : Double(l) * pow(q, Double(l - 1)) * p
            return lower + pow(q, Double(l + 1)) * r2 * (2 * dp - p)
        }
    }

    /// scale · C r^{l+3/2} π^{5/4} e^{−x²/2} · f(q, P(x²), P′(x²)) at every q, x = q r: the common
    /// factor of the projector transform and its derivative.
    private func projectorTransform(channel: Channel, i: Int, q: [Double], scale: Double,
                                    _ f: (Double, Double, Double) -> Double) -> [Double] {
        let (c, poly, dpoly) = Self.projectorPolynomial(l: channel.l, i: i)
        let r = channel.radius
        let constant = scale * c * pow(r, Double(channel.l) + 1.5) * pow(Double.pi, 1.25)
        return q.map { q in
            let x2 = q * r * q * r
            return constant * exp(-x2 / 2) * f(q, poly(x2), dpoly(x2))
        }
    }

    /// The constant C and polynomial P(x²) of projector i (0-based) of angular momentum l (HGH 1998,
    /// eq. 9–16), with dP/d(x²).
    private static func projectorPolynomial(l: Int, i: Int) -> (Double, (Double) -> Double, (Double) -> Double) {
        switch (l, i) {
        case (0, 0): return (4 * 2.0.squareRoot(), { _ in 1 }, { _ in 0 })
        case (0, 1): return (8 * (2.0 / 15).squareRoot(), { 3 - $0 }, { _ in -1 })
        case (0, 2): return (16.0 / 3 * (2.0 / 105).squareRoot(), { 15 - 10 * $0 + $0 * $0 }, { -10 + 2 * $0 })
        case (1, 0): return (8 / 3.0.squareRoot(), { _ in 1 }, { _ in 0 })
        case (1, 1): return (16 / 105.0.squareRoot(), { 5 - $0 }, { _ in -1 })
        case (1, 2): return (32 / 1155.0.squareRoot(), { 35 - 14 * $0 + $0 * $0 }, { -14 + 2 * $0 })
        case (2, 0): return (8 * (2.0 / 15).squareRoot(), { _ in 1 }, { _ in 0 })
        case (2, 1): return (16.0 / 3 * (2.0 / 105).squareRoot(), { 7 - $0 }, { _ in -1 })
        case (3, 0): return (16 / 105.0.squareRoot(), { _ in 1 }, { _ in 0 })
        default: preconditionFailure("GTH projector l=\(l) i=\(i + 1) is not supported")
        }
    }

    /// Real-space projector p_i^l(r) (for tests of the transforms).
    public func projectorRadial(channel: Channel, i: Int, r: Double) -> Double {
        let l = Double(channel.l), rl = channel.radius
        let p = l + Double(4 * (i + 1) - 1) / 2
        return 2.0.squareRoot() * pow(r, l + 2 * Double(i)) * exp(-r * r / (2 * rl * rl)) / (pow(rl, p) * tgamma(p).squareRoot())
    }

}

// MARK: CP2K GTH_POTENTIALS format

extension GTHPseudopotential {
    public struct ParseError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Parses every entry of a CP2K `GTH_POTENTIALS` file:
    /// ```
    /// Ga GTH-PBE-q3 [aliases…]
    ///   n_elec(s) n_elec(p) …
    ///   r_loc nexp C1 … Cnexp
    ///   nprj
    ///   r_l nprj_l h11 h12 h13      (upper triangle, row by row, over continuation lines)
    ///                  h22 h23
    ///                      h33
    /// ```
    /// Each entry is keyed by "Element Name" for its name and every alias (e.g. "Ga GTH-PBE-q3").
    public static func parseLibrary(_ text: String) throws -> [String: GTHPseudopotential] {
        var result: [String: GTHPseudopotential] = [:]
        // split on UTF-8 bytes: Character-wise splitting is slow, and the shipped library is parsed at every start
        let lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line -> [Substring] in
            let content = line.split(separator: UInt8(ascii: "#"), maxSplits: 1, omittingEmptySubsequences: false).first ?? line
            return content.split(whereSeparator: { $0 == 32 || $0 == 9 || $0 == 13 }).map { Substring($0) }
        }
        var i = 0
        func numbers(_ fields: [Substring], _ what: String) throws -> [Double] {
            try fields.map { f in
                // Fortran exponents (1.0D-3) only where present: Foundation's replacing on every field
                // would dominate the parse of the shipped library at every start-up
                let fortran = f.contains { $0 == "D" || $0 == "d" }
                guard let v = fortran ? Double(f.replacingOccurrences(of: "D", with: "E").replacingOccurrences(of: "d", with: "e"))
                                      : Double(f) else {
                    throw ParseError(message: "GTH_POTENTIALS line \(i + 1): '\(f)' in \(what) is not a number")
                }
                return v
            }
        }
        func nextLine() -> [Substring]? {
            while i < lines.count {
                defer { i += 1 }
                if !lines[i].isEmpty { return lines[i] }
            }
            return nil
        }
        while let header = nextLine() {
            guard header.count >= 2, let first = header.first, first.first?.isLetter == true else {
                throw ParseError(message: "GTH_POTENTIALS line \(i): expected 'Element Name', got '\(header.joined(separator: " "))'")
            }
            let element = String(first)
            let names = header.dropFirst().map(String.init)
            guard let occ = nextLine() else { break }
            let zion = Int(try numbers(occ, "electron counts").reduce(0, +))
            guard let locLine = nextLine(), locLine.count >= 2 else { throw ParseError(message: "GTH_POTENTIALS line \(i): missing r_loc line for \(element)") }
            let loc = try numbers(locLine, "local part")
            let nexp = Int(loc[1])
            guard loc.count >= 2 + nexp else { throw ParseError(message: "GTH_POTENTIALS line \(i): \(element) expects \(nexp) local coefficients") }
            let cs = Array(loc[2..<(2 + nexp)])
            guard let nprjLine = nextLine(), let nprj = Int(nprjLine[0]) else { throw ParseError(message: "GTH_POTENTIALS line \(i): missing projector count for \(element)") }
            var channels: [Channel] = []
            for l in 0..<nprj {
                guard let first = nextLine(), first.count >= 2 else { throw ParseError(message: "GTH_POTENTIALS line \(i): missing channel l=\(l) for \(element)") }
                let head = try numbers(first, "channel l=\(l)")
                let r = head[0], n = Int(head[1])
                var values = Array(head.dropFirst(2))
                let needed = n * (n + 1) / 2
                while values.count < needed {
                    guard let more = nextLine() else { break }
                    values += try numbers(more, "h matrix of l=\(l)")
                }
                guard values.count >= needed else { throw ParseError(message: "GTH_POTENTIALS: \(element) channel l=\(l) has too few h values") }
                var h = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
                var k = 0
                for a in 0..<n { for b in a..<n { h[a][b] = values[k]; h[b][a] = values[k]; k += 1 } }
                if n > 0 { channels.append(Channel(l: l, radius: r, h: h)) }
            }
            let pp = GTHPseudopotential(element: element, name: names[0], zion: zion, rloc: loc[0], c: cs, channels: channels)
            for n in names { result["\(element) \(n)"] = pp }
        }
        return result
    }
}
