import Bindings
import Foundation

/// The standard Brillouin-zone paths of W. Setyawan and S. Curtarolo, "High-throughput electronic
/// band structure calculations: challenges and tools", Comput. Mater. Sci. 49, 299 (2010): 14 Bravais
/// lattices in 25 variants (CUB, FCC, BCC, TET, BCT1/2, ORC, ORCF1/2/3, ORCI, ORCC, HEX, RHL1/2, MCL,
/// MCLC1–5, TRI1a/1b/2a/2b, TRI2b reported as TRI2a, see `triclinic`), each with its labelled points in reduced coordinates of the reciprocal
/// vectors of the paper's *standard primitive* cell and its path.
///
/// The lattice type comes from spglib's standardised conventional cell (space group number and
/// centring; `Spglib.setting`), rotated back into the user's Cartesian frame
/// (a_s = Rᵀ a_s,ideal). The paper's conventional axes are picked from spglib's (sorted by length
/// where the paper orders them; the unique axis of monoclinic cells moved from b to a), its primitive
/// vectors built from them, and each labelled point k = Σ kᵢ bᵢ (bᵢ of that primitive cell) expressed
/// in the user's reciprocal basis, k_j = k · a_j / 2π, so that the bands are those of the user's cell.
/// Two cells that differ only by setting give the same Cartesian points up to a symmetry of the lattice.
public enum SetyawanCurtarolo {
    /// A lattice variant's path: its name, the standard primitive vectors (bohr, the user's frame),
    /// the labelled points (reduced in their reciprocal basis) and the runs of the path.
    public struct Standard: Sendable {
        public let name: String
        public let primitive: [SIMD3<Double>]
        public let points: [String: SIMD3<Double>]
        public let segments: [[String]]

        /// Reciprocal vectors of the standard primitive cell (bohr⁻¹), bᵢ·aⱼ = 2π δᵢⱼ.
        public var reciprocal: [SIMD3<Double>] {
            Lattice(primitive[0], primitive[1], primitive[2]).reciprocal
        }
    }

    /// Relative tolerance of the equalities that separate variants (e.g. 1/a² = 1/b² + 1/c² for ORCF3).
    static let tolerance = 1e-6

    /// The standard of `crystal`'s lattice, nil when spglib finds no symmetry at `symprec` (bohr).
    public static func standard(for crystal: Crystal, symprec: Double = 1e-5) -> Standard? {
        let species = crystal.species
        let types = crystal.atoms.map { species.firstIndex(of: $0.species)! + 1 }
        guard let s = Spglib.setting(lattice: crystal.lattice.vectors, positions: crystal.atoms.map(\.position),
                                     types: types, symprec: symprec) else { return nil }
        // a_s = Rᵀ a_s,ideal: the conventional vectors in the user's frame
        let r = s.standardRotation
        let conv = s.standardLattice.map { (v: SIMD3<Double>) -> SIMD3<Double> in
            var w = SIMD3<Double>()
            for j in 0..<3 { for i in 0..<3 { w[j] += v[i] * r[i][j] } }
            return w
        }
        let centring = s.international.first ?? "P"
        return standard(spaceGroup: s.spaceGroup, centring: centring, conventional: conv)
    }

    /// The standard from the space-group number, the centring letter and spglib's conventional
    /// vectors (in the user's frame).
    static func standard(spaceGroup n: Int, centring: Character, conventional c: [SIMD3<Double>]) -> Standard? {
        switch n {
        case 195...230:
            switch centring {
            case "F": return fcc(c)
            case "I": return bcc(c)
            default: return cubic(c)
            }
        case 75...142:
            let a = norm(c[0]), cc = norm(c[2])
            return centring == "I" ? bct(c, a, cc) : tetragonal(c)
        case 16...74:
            switch centring {
            case "C", "A", "B":
                // the centred face holds the first two axes, shorter first
                let face: [SIMD3<Double>], third: SIMD3<Double>
                switch centring {
                case "A": face = [c[1], c[2]]; third = c[0]
                case "B": face = [c[0], c[2]]; third = c[1]
                default: face = [c[0], c[1]]; third = c[2]
                }
                let sorted = face.sorted { norm($0) < norm($1) }
                return orcc([sorted[0], sorted[1], third])
            default:
                let s = c.sorted { norm($0) < norm($1) }
                switch centring {
                case "F": return orcf(s)
                case "I": return orci(s)
                default: return orc(s)
                }
            }
        case 143...194:
            if centring == "R" { return rhombohedral(c) }
            return hexagonal(c)
        case 3...15:
            // spglib: unique axis b. The paper: unique axis a, α (between b and c) below 90°.
            let unique = c[1]
            var other = c[2]
            if dot(c[0], other) < 0 { other = -other }
            if centring == "C" { return mclc([unique, c[0], other]) }
            let pair = [c[0], other].sorted { norm($0) < norm($1) }
            return mcl([unique, pair[0], pair[1]])
        case 1...2:
            return triclinic(c)
        default:
            return nil
        }
    }

    private static func angle(_ u: SIMD3<Double>, _ v: SIMD3<Double>) -> Double {
        acos(max(-1, min(1, dot(u, v) / (norm(u) * norm(v)))))
    }

    private static func bodyCentred(_ c: [SIMD3<Double>]) -> [SIMD3<Double>] {
        [(-c[0] + c[1] + c[2]) / 2, (c[0] - c[1] + c[2]) / 2, (c[0] + c[1] - c[2]) / 2]
    }
    private static func faceCentred(_ c: [SIMD3<Double>]) -> [SIMD3<Double>] {
        [(c[1] + c[2]) / 2, (c[0] + c[2]) / 2, (c[0] + c[1]) / 2]
    }

    private static func p(_ x: Double, _ y: Double, _ z: Double) -> SIMD3<Double> { SIMD3(x, y, z) }
    private static let g = SIMD3<Double>(0, 0, 0)

    // MARK: the 25 variants (paper, Appendix A: primitive vectors, points, paths)

    static func cubic(_ c: [SIMD3<Double>]) -> Standard {
        Standard(name: "CUB", primitive: c,
                 points: ["Γ": g, "M": p(0.5, 0.5, 0), "R": p(0.5, 0.5, 0.5), "X": p(0, 0.5, 0)],
                 segments: [["Γ", "X", "M", "Γ", "R", "X"], ["M", "R"]])
    }

    static func fcc(_ c: [SIMD3<Double>]) -> Standard {
        Standard(name: "FCC", primitive: faceCentred(c),
                 points: ["Γ": g, "K": p(3.0 / 8, 3.0 / 8, 3.0 / 4), "L": p(0.5, 0.5, 0.5), "U": p(5.0 / 8, 1.0 / 4, 5.0 / 8),
                          "W": p(0.5, 0.25, 0.75), "X": p(0.5, 0, 0.5)],
                 segments: [["Γ", "X", "W", "K", "Γ", "L", "U", "W", "L", "K"], ["U", "X"]])
    }

    static func bcc(_ c: [SIMD3<Double>]) -> Standard {
        Standard(name: "BCC", primitive: bodyCentred(c),
                 points: ["Γ": g, "H": p(0.5, -0.5, 0.5), "P": p(0.25, 0.25, 0.25), "N": p(0, 0, 0.5)],
                 segments: [["Γ", "H", "N", "Γ", "P", "H"], ["P", "N"]])
    }

    static func tetragonal(_ c: [SIMD3<Double>]) -> Standard {
        Standard(name: "TET", primitive: c,
                 points: ["Γ": g, "A": p(0.5, 0.5, 0.5), "M": p(0.5, 0.5, 0), "R": p(0, 0.5, 0.5), "X": p(0, 0.5, 0), "Z": p(0, 0, 0.5)],
                 segments: [["Γ", "X", "M", "Γ", "Z", "R", "A", "Z"], ["X", "R"], ["M", "A"]])
    }

    static func bct(_ c: [SIMD3<Double>], _ a: Double, _ cc: Double) -> Standard {
        if cc < a {
            let eta = (1 + cc * cc / (a * a)) / 4
            return Standard(name: "BCT1", primitive: bodyCentred(c),
                            points: ["Γ": g, "M": p(-0.5, 0.5, 0.5), "N": p(0, 0.5, 0), "P": p(0.25, 0.25, 0.25), "X": p(0, 0, 0.5),
                                     "Z": p(eta, eta, -eta), "Z₁": p(-eta, 1 - eta, eta)],
                            segments: [["Γ", "X", "M", "Γ", "Z", "P", "N", "Z₁", "M"], ["X", "P"]])
        }
        let eta = (1 + a * a / (cc * cc)) / 4
        let zeta = a * a / (2 * cc * cc)
        return Standard(name: "BCT2", primitive: bodyCentred(c),
                        points: ["Γ": g, "N": p(0, 0.5, 0), "P": p(0.25, 0.25, 0.25), "Σ": p(-eta, eta, eta), "Σ₁": p(eta, 1 - eta, -eta),
                                 "X": p(0, 0, 0.5), "Y": p(-zeta, zeta, 0.5), "Y₁": p(0.5, 0.5, -zeta), "Z": p(0.5, 0.5, -0.5)],
                        segments: [["Γ", "X", "Y", "Σ", "Γ", "Z", "Σ₁", "N", "P", "Y₁", "Z"], ["X", "P"]])
    }

    /// a < b < c.
    static func orc(_ c: [SIMD3<Double>]) -> Standard {
        Standard(name: "ORC", primitive: c,
                 points: ["Γ": g, "R": p(0.5, 0.5, 0.5), "S": p(0.5, 0.5, 0), "T": p(0, 0.5, 0.5), "U": p(0.5, 0, 0.5),
                          "X": p(0.5, 0, 0), "Y": p(0, 0.5, 0), "Z": p(0, 0, 0.5)],
                 segments: [["Γ", "X", "S", "Y", "Γ", "Z", "U", "R", "T", "Z"], ["Y", "T"], ["U", "X"], ["S", "R"]])
    }

    /// a < b < c; ORCF1: 1/a² > 1/b² + 1/c², ORCF2: <, ORCF3: =.
    static func orcf(_ c: [SIMD3<Double>]) -> Standard {
        let (a, b, cc) = (norm(c[0]), norm(c[1]), norm(c[2]))
        let (a2, b2, c2) = (a * a, b * b, cc * cc)
        let lhs = 1 / a2, rhs = 1 / b2 + 1 / c2
        if abs(lhs - rhs) > tolerance * lhs, lhs < rhs {
            let eta = (1 + a2 / b2 - a2 / c2) / 4
            let phi = (1 + c2 / b2 - c2 / a2) / 4
            let delta = (1 + b2 / a2 - b2 / c2) / 4
            return Standard(name: "ORCF2", primitive: faceCentred(c),
                            points: ["Γ": g, "C": p(0.5, 0.5 - eta, 1 - eta), "C₁": p(0.5, 0.5 + eta, eta),
                                     "D": p(0.5 - delta, 0.5, 1 - delta), "D₁": p(0.5 + delta, 0.5, delta), "L": p(0.5, 0.5, 0.5),
                                     "H": p(1 - phi, 0.5 - phi, 0.5), "H₁": p(phi, 0.5 + phi, 0.5),
                                     "X": p(0, 0.5, 0.5), "Y": p(0.5, 0, 0.5), "Z": p(0.5, 0.5, 0)],
                            segments: [["Γ", "Y", "C", "D", "X", "Γ", "Z", "D₁", "H", "C"], ["C₁", "Z"], ["X", "H₁"], ["H", "Y"], ["L", "Γ"]])
        }
        let zeta = (1 + a2 / b2 - a2 / c2) / 4
        let eta = (1 + a2 / b2 + a2 / c2) / 4
        let points: [String: SIMD3<Double>] = ["Γ": g, "A": p(0.5, 0.5 + zeta, zeta), "A₁": p(0.5, 0.5 - zeta, 1 - zeta),
                                               "L": p(0.5, 0.5, 0.5), "T": p(1, 0.5, 0.5), "X": p(0, eta, eta),
                                               "X₁": p(1, 1 - eta, 1 - eta), "Y": p(0.5, 0, 0.5), "Z": p(0.5, 0.5, 0)]
        if abs(lhs - rhs) <= tolerance * lhs {
            return Standard(name: "ORCF3", primitive: faceCentred(c), points: points.filter { $0.key != "X₁" },
                            segments: [["Γ", "Y", "T", "Z", "Γ", "X", "A₁", "Y"], ["X", "A", "Z"], ["L", "Γ"]])
        }
        return Standard(name: "ORCF1", primitive: faceCentred(c), points: points,
                        segments: [["Γ", "Y", "T", "Z", "Γ", "X", "A₁", "Y"], ["T", "X₁"], ["X", "A", "Z"], ["L", "Γ"]])
    }

    /// a < b < c.
    static func orci(_ c: [SIMD3<Double>]) -> Standard {
        let (a, b, cc) = (norm(c[0]), norm(c[1]), norm(c[2]))
        let (a2, b2, c2) = (a * a, b * b, cc * cc)
        let zeta = (1 + a2 / c2) / 4, eta = (1 + b2 / c2) / 4
        let delta = (b2 - a2) / (4 * c2), mu = (a2 + b2) / (4 * c2)
        return Standard(name: "ORCI", primitive: bodyCentred(c),
                        points: ["Γ": g, "L": p(-mu, mu, 0.5 - delta), "L₁": p(mu, -mu, 0.5 + delta), "L₂": p(0.5 - delta, 0.5 + delta, -mu),
                                 "R": p(0, 0.5, 0), "S": p(0.5, 0, 0), "T": p(0, 0, 0.5), "W": p(0.25, 0.25, 0.25),
                                 "X": p(-zeta, zeta, zeta), "X₁": p(zeta, 1 - zeta, -zeta), "Y": p(eta, -eta, eta),
                                 "Y₁": p(1 - eta, eta, -eta), "Z": p(0.5, 0.5, -0.5)],
                        segments: [["Γ", "X", "L", "T", "W", "R", "X₁", "Z", "Γ", "Y", "S", "W"], ["L₁", "Y"], ["Y₁", "Z"]])
    }

    /// C-centred, a < b (the centred face holds a and b).
    static func orcc(_ c: [SIMD3<Double>]) -> Standard {
        let (a, b) = (norm(c[0]), norm(c[1]))
        let zeta = (1 + a * a / (b * b)) / 4
        return Standard(name: "ORCC", primitive: [(c[0] - c[1]) / 2, (c[0] + c[1]) / 2, c[2]],
                        points: ["Γ": g, "A": p(zeta, zeta, 0.5), "A₁": p(-zeta, 1 - zeta, 0.5), "R": p(0, 0.5, 0.5),
                                 "S": p(0, 0.5, 0), "T": p(-0.5, 0.5, 0.5), "X": p(zeta, zeta, 0), "X₁": p(-zeta, 1 - zeta, 0),
                                 "Y": p(-0.5, 0.5, 0), "Z": p(0, 0, 0.5)],
                        segments: [["Γ", "X", "S", "R", "A", "Z", "Γ", "Y", "X₁", "A₁", "T", "Y"], ["Z", "T"]])
    }

    static func hexagonal(_ c: [SIMD3<Double>]) -> Standard {
        Standard(name: "HEX", primitive: c,
                 points: ["Γ": g, "A": p(0, 0, 0.5), "H": p(1.0 / 3, 1.0 / 3, 0.5), "K": p(1.0 / 3, 1.0 / 3, 0),
                          "L": p(0.5, 0, 0.5), "M": p(0.5, 0, 0)],
                 segments: [["Γ", "M", "K", "Γ", "A", "L", "H", "A"], ["L", "M"], ["K", "H"]])
    }

    /// From spglib's hexagonal (obverse) cell: a₁ = (2a + b + c)/3, a₂ = (−a + b + c)/3, a₃ = (−a − 2b + c)/3.
    static func rhombohedral(_ c: [SIMD3<Double>]) -> Standard {
        let (h1, h2, h3): (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>) = (c[0], c[1], c[2])
        let r1: SIMD3<Double> = (2 * h1 + h2 + h3) / 3
        let r2: SIMD3<Double> = (h2 + h3 - h1) / 3
        let r3: SIMD3<Double> = (h3 - h1 - 2 * h2) / 3
        let prim = [r1, r2, r3]
        let alpha: Double = angle(r1, r2)
        if alpha < .pi / 2 {
            let eta = (1 + 4 * cos(alpha)) / (2 + 4 * cos(alpha))
            let nu = 0.75 - eta / 2
            return Standard(name: "RHL1", primitive: prim,
                            points: ["Γ": g, "B": p(eta, 0.5, 1 - eta), "B₁": p(0.5, 1 - eta, eta - 1), "F": p(0.5, 0.5, 0),
                                     "L": p(0.5, 0, 0), "L₁": p(0, 0, -0.5), "P": p(eta, nu, nu), "P₁": p(1 - nu, 1 - nu, 1 - eta),
                                     "P₂": p(nu, nu, eta - 1), "Q": p(1 - nu, nu, 0), "X": p(nu, 0, -nu), "Z": p(0.5, 0.5, 0.5)],
                            segments: [["Γ", "L", "B₁"], ["B", "Z", "Γ", "X"], ["Q", "F", "P₁", "Z"], ["L", "P"]])
        }
        let t = tan(alpha / 2)
        let eta = 1 / (2 * t * t)
        let nu = 0.75 - eta / 2
        return Standard(name: "RHL2", primitive: prim,
                        points: ["Γ": g, "F": p(0.5, -0.5, 0), "L": p(0.5, 0, 0), "P": p(1 - nu, -nu, 1 - nu), "P₁": p(nu, nu - 1, nu - 1),
                                 "Q": p(eta, eta, eta), "Q₁": p(1 - eta, -eta, -eta), "Z": p(0.5, -0.5, 0.5)],
                        segments: [["Γ", "P", "Z", "Q", "Γ", "F", "P₁", "Q₁", "L", "Z"]])
    }

    /// Unique axis a; α (between b and c) < 90°, b ≤ c.
    static func mcl(_ c: [SIMD3<Double>]) -> Standard {
        let (b, cc) = (norm(c[1]), norm(c[2]))
        let alpha = angle(c[1], c[2])
        let eta = (1 - b * cos(alpha) / cc) / (2 * sin(alpha) * sin(alpha))
        let nu = 0.5 - eta * cc * cos(alpha) / b
        return Standard(name: "MCL", primitive: c,
                        points: ["Γ": g, "A": p(0.5, 0.5, 0), "C": p(0, 0.5, 0.5), "D": p(0.5, 0, 0.5), "D₁": p(0.5, 0, -0.5),
                                 "E": p(0.5, 0.5, 0.5), "H": p(0, eta, 1 - nu), "H₁": p(0, 1 - eta, nu), "H₂": p(0, eta, -nu),
                                 "M": p(0.5, eta, 1 - nu), "M₁": p(0.5, 1 - eta, nu), "M₂": p(0.5, eta, -nu),
                                 "X": p(0, 0.5, 0), "Y": p(0, 0, 0.5), "Y₁": p(0, 0, -0.5), "Z": p(0.5, 0, 0)],
                        segments: [["Γ", "Y", "H", "C", "E", "M₁", "A", "X", "H₁"], ["M", "D", "Z"], ["Y", "D"]])
    }

    /// Unique axis a, C-centred in the ab face; α (between b and c) < 90°. Primitive
    /// a₁ = (a + b)/2, a₂ = (−a + b)/2, a₃ = c; variants by the reciprocal angle k_γ and
    /// b cos α / c + b² sin² α / a².
    static func mclc(_ c: [SIMD3<Double>]) -> Standard {
        let (a, b, cc) = (norm(c[0]), norm(c[1]), norm(c[2]))
        let alpha = angle(c[1], c[2])
        let (ca, sa) = (cos(alpha), sin(alpha))
        let prim = [(c[0] + c[1]) / 2, (-c[0] + c[1]) / 2, c[2]]
        let rec = Lattice(prim[0], prim[1], prim[2]).reciprocal
        let kgamma = angle(rec[0], rec[1])
        if kgamma > .pi / 2 + tolerance || abs(kgamma - .pi / 2) <= tolerance {
            let zeta = (2 - b * ca / cc) / (4 * sa * sa)
            let eta = 0.5 + 2 * zeta * cc * ca / b
            let psi = 0.75 - a * a / (4 * b * b * sa * sa)
            let phi = psi + (0.75 - psi) * b * ca / cc
            var points: [String: SIMD3<Double>] = [
                "Γ": g, "N": p(0.5, 0, 0), "N₁": p(0, -0.5, 0), "F": p(1 - zeta, 1 - zeta, 1 - eta), "F₁": p(zeta, zeta, eta),
                "F₂": p(-zeta, -zeta, 1 - eta), "I": p(phi, 1 - phi, 0.5), "I₁": p(1 - phi, phi - 1, 0.5), "L": p(0.5, 0.5, 0.5),
                "M": p(0.5, 0, 0.5), "X": p(1 - psi, psi - 1, 0), "X₁": p(psi, 1 - psi, 0), "X₂": p(psi - 1, -psi, 0),
                "Y": p(0.5, 0.5, 0), "Y₁": p(-0.5, -0.5, 0), "Z": p(0, 0, 0.5)]
            if kgamma > .pi / 2 + tolerance {
                return Standard(name: "MCLC1", primitive: prim, points: points,
                                segments: [["Γ", "Y", "F", "L", "I"], ["I₁", "Z", "F₁"], ["Y", "X₁"], ["X", "Γ", "N"], ["M", "Γ"]])
            }
            for k in ["X", "X₁", "X₂"] { points[k] = nil }
            return Standard(name: "MCLC2", primitive: prim, points: points,
                            segments: [["Γ", "Y", "F", "L", "I"], ["I₁", "Z", "F₁"], ["N", "Γ", "M"]])
        }
        let t = b * ca / cc + b * b * sa * sa / (a * a)
        if t > 1 + tolerance {
            let zeta = (b * b / (a * a) + (1 - b * ca / cc) / (sa * sa)) / 4
            let eta = 0.5 + 2 * zeta * cc * ca / b
            let mu = eta / 2 + b * b / (4 * a * a) - b * cc * ca / (2 * a * a)
            let nu = 2 * mu - zeta
            let rho = 1 - zeta * a * a / (b * b)
            let omega = (4 * nu - 1 - b * b * sa * sa / (a * a)) * cc / (2 * b * ca)
            let delta = zeta * cc * ca / b + omega / 2 - 0.25
            return Standard(name: "MCLC5", primitive: prim,
                            points: ["Γ": g, "F": p(nu, nu, omega), "F₁": p(1 - nu, 1 - nu, 1 - omega), "F₂": p(nu, nu - 1, omega),
                                     "H": p(zeta, zeta, eta), "H₁": p(1 - zeta, -zeta, 1 - eta), "H₂": p(-zeta, -zeta, 1 - eta),
                                     "I": p(rho, 1 - rho, 0.5), "I₁": p(1 - rho, rho - 1, 0.5), "L": p(0.5, 0.5, 0.5),
                                     "M": p(0.5, 0, 0.5), "N": p(0.5, 0, 0), "N₁": p(0, -0.5, 0), "X": p(0.5, -0.5, 0),
                                     "Y": p(mu, mu, delta), "Y₁": p(1 - mu, -mu, -delta), "Y₂": p(-mu, -mu, -delta),
                                     "Y₃": p(mu, mu - 1, delta), "Z": p(0, 0, 0.5)],
                            segments: [["Γ", "Y", "F", "L", "I"], ["I₁", "Z", "H", "F₁"], ["H₁", "Y₁", "X", "Γ", "N"], ["M", "Γ"]])
        }
        let mu = (1 + b * b / (a * a)) / 4
        let delta = b * cc * ca / (2 * a * a)
        let zeta = mu - 0.25 + (1 - b * ca / cc) / (4 * sa * sa)
        let eta = 0.5 + 2 * zeta * cc * ca / b
        let phi = 1 + zeta - 2 * mu
        let psi = eta - 2 * delta
        let points: [String: SIMD3<Double>] = [
            "Γ": g, "F": p(1 - phi, 1 - phi, 1 - psi), "F₁": p(phi, phi - 1, psi), "F₂": p(1 - phi, -phi, 1 - psi),
            "H": p(zeta, zeta, eta), "H₁": p(1 - zeta, -zeta, 1 - eta), "H₂": p(-zeta, -zeta, 1 - eta), "I": p(0.5, -0.5, 0.5),
            "M": p(0.5, 0, 0.5), "N": p(0.5, 0, 0), "N₁": p(0, -0.5, 0), "X": p(0.5, -0.5, 0), "Y": p(mu, mu, delta),
            "Y₁": p(1 - mu, -mu, -delta), "Y₂": p(-mu, -mu, -delta), "Y₃": p(mu, mu - 1, delta), "Z": p(0, 0, 0.5)]
        if abs(t - 1) <= tolerance {
            return Standard(name: "MCLC4", primitive: prim, points: points,
                            segments: [["Γ", "Y", "F", "H", "Z", "I"], ["H₁", "Y₁", "X", "Γ", "N"], ["M", "Γ"]])
        }
        return Standard(name: "MCLC3", primitive: prim, points: points,
                        segments: [["Γ", "Y", "F", "H", "Z", "I", "F₁"], ["H₁", "Y₁", "X", "Γ", "N"], ["M", "Γ"]])
    }

    /// The reciprocal basis is reduced (each vector shortened by the others until none shortens),
    /// then signs and order chosen so that k_α, k_β, k_γ are all obtuse with k_γ the smallest
    /// (TRI1a; TRI2a when k_γ = 90°) or all acute with k_γ the largest (TRI1b). The paper's TRI2b
    /// (k_α, k_β acute, k_γ = 90°) is the same lattice as TRI2a, its basis with b₃ reversed; it is
    /// reported as TRI2a so that one lattice gets one label and path whatever the cell's setting.
    static func triclinic(_ c: [SIMD3<Double>]) -> Standard? {
        var b = Lattice(c[0], c[1], c[2]).reciprocal
        var changed = true
        var rounds = 0
        while changed && rounds < 100 {
            changed = false
            rounds += 1
            for i in 0..<3 {
                for j in 0..<3 where i != j {
                    let m = (dot(b[i], b[j]) / dot(b[j], b[j])).rounded()
                    if m != 0, norm(b[i] - m * b[j]) < norm(b[i]) * (1 - 1e-12) {
                        b[i] -= m * b[j]
                        changed = true
                    }
                }
            }
        }
        let right = 0.5 * Double.pi
        let tol = 1e-6
        // all-obtuse bases first: with k_γ = 90° a basis of TRI2b's (k_α, k_β acute) is TRI2a's with
        // b₃ reversed, so the search finds TRI2a for every such lattice and the label and path do not
        // depend on the signs of the reduced basis
        for obtuse in [true, false] {
            for perm in [[0, 1, 2], [1, 2, 0], [2, 0, 1], [1, 0, 2], [0, 2, 1], [2, 1, 0]] {
                for signs in [[1.0, 1, 1], [-1, 1, 1], [1, -1, 1], [1, 1, -1]] {
                    let r = (0..<3).map { signs[$0] * b[perm[$0]] }
                    let ka = angle(r[1], r[2]), kb = angle(r[2], r[0]), kg = angle(r[0], r[1])
                    // the real primitive cell dual to this reciprocal basis
                    let v = dot(r[0], cross(r[1], r[2]))
                    let f = 2 * Double.pi / v
                    let prim = [f * cross(r[1], r[2]), f * cross(r[2], r[0]), f * cross(r[0], r[1])]
                    if obtuse, ka > right + tol, kb > right + tol {
                        if abs(kg - right) <= tol {
                            return Standard(name: "TRI2a", primitive: prim, points: triA, segments: triPath)
                        }
                        if kg > right + tol, kg <= min(ka, kb) {
                            return Standard(name: "TRI1a", primitive: prim, points: triA, segments: triPath)
                        }
                    }
                    if !obtuse, ka < right - tol, kb < right - tol, kg < right - tol, kg >= max(ka, kb) {
                        return Standard(name: "TRI1b", primitive: prim, points: triB, segments: triPath)
                    }
                }
            }
        }
        return nil
    }

    static let triA: [String: SIMD3<Double>] = ["Γ": g, "L": p(0.5, 0.5, 0), "M": p(0, 0.5, 0.5), "N": p(0.5, 0, 0.5),
                                                "R": p(0.5, 0.5, 0.5), "X": p(0.5, 0, 0), "Y": p(0, 0.5, 0), "Z": p(0, 0, 0.5)]
    static let triB: [String: SIMD3<Double>] = ["Γ": g, "L": p(0.5, -0.5, 0), "M": p(0, 0, 0.5), "N": p(-0.5, -0.5, 0.5),
                                                "R": p(0, -0.5, 0.5), "X": p(0, -0.5, 0), "Y": p(0.5, 0, 0), "Z": p(-0.5, 0, 0.5)]
    static let triPath = [["X", "Γ", "Y"], ["L", "Γ", "Z"], ["N", "Γ", "M"], ["R", "Γ"]]
}
