import Foundation
import Input
import RunStore
import Convergence
import PlaneWave

/// Ready-to-paste input snippets for ABINIT and Quantum ESPRESSO (pw.x).
public enum Export {
    public static let abinitFile = RunDirectory.abinitFile
    public static let qeFile = RunDirectory.qeFile
    public static let recommendedFile = RunDirectory.recommendedFile

    /// ABINIT: ecut, k-mesh (ngkpt/shiftk), occopt/tsmear, acell/rprim (and the atoms, commented);
    /// spin-polarised, `nsppol 2` and `spinat` (one 3-vector per atom, μB, the moment along z).
    public static func abinit(_ r: RecommendedParameters) -> String {
        let vectors = r.lattice_vectors_angstrom.map { $0.map { $0 * Units.angstrom } }   // bohr
        let a = r.lattice_constant_bohr ?? norm(SIMD3(vectors[0][0], vectors[0][1], vectors[0][2]))
        let occopt: (Int, String)
        switch r.smearing.type {
        case "fermi-dirac": occopt = (3, "Fermi–Dirac")
        case "marzari-vanderbilt": occopt = (4, "Marzari–Vanderbilt cold smearing")
        case "methfessel-paxton": occopt = (6, "Methfessel–Paxton")
        case "gaussian": occopt = (7, "Gaussian")
        default: occopt = (1, "fixed occupations")
        }
        var s = "# preconv-mpi: recommended parameters for \(r.name) (\(r.formula), \(r.functional), \(r.pseudopotentials.keys.sorted().map { "\($0) \(r.pseudopotentials[$0]!)" }.joined(separator: ", ")))\n"
        s += "# paste into an ABINIT input (units: Ha and bohr)\n"
        s += "ecut    \(num(r.ecut_Ha))\n"
        s += "kptopt  1\n"
        s += "ngkpt   \(r.kmesh.map(String.init).joined(separator: " "))\n"
        s += "nshiftk 1\n"
        s += "shiftk  \(r.kshift.map { $0 == 0 ? "0.0" : "0.5" }.joined(separator: " "))\n"
        if let ixc = abinitIXC[r.functional.uppercased()] {
            s += "ixc     \(ixc.code)    # \(ixc.comment)\n"
        }
        s += "occopt  \(occopt.0)    # \(occopt.1)\n"
        if occopt.0 != 1 { s += "tsmear  \(num(r.smearing.width_Ha))    # Ha\n" }
        if let moments = r.starting_magnetic_moments_muB {
            s += "nsppol  2    # collinear spin polarisation\n"
            for (i, m) in moments.enumerated() {
                s += (i == 0 ? "spinat  " : "        ") + "0.0 0.0 \(num(m))    # μB, atom \(i + 1) (\(r.atoms[i].species))\n"
            }
        }
        s += "acell   3*\(String(format: "%.10f", a))    # bohr" + (r.lattice_constant_angstrom.map { String(format: " (a = %.6f Å)", $0) } ?? "") + "\n"
        for (i, v) in vectors.enumerated() {
            s += (i == 0 ? "rprim   " : "        ") + v.map { String(format: "%14.10f", $0 / a) }.joined(separator: " ") + "\n"
        }
        if let files = r.pseudopotential_files, !files.isEmpty {
            // psp8 species by their path, the others by the GTH tables written beside this file
            s += "pseudos \"" + r.pseudopotentials.keys.sorted().map { files[$0] ?? pseudopotentialFile(element: $0, name: r.pseudopotentials[$0]!) }.joined(separator: ", ")
                + "\"    # by element symbol: give znucl/typat in this order"
                + (files.count < r.pseudopotentials.count ? "; the .gth files are the shipped GTH tables, written beside this file" : "") + "\n"
        } else {
            s += "# pseudos \"" + r.pseudopotentials.keys.sorted().map { pseudopotentialFile(element: $0, name: r.pseudopotentials[$0]!) }.joined(separator: ", ")
                + "\"    # the shipped GTH tables, written beside this file\n"
        }
        s += "# natom \(r.atoms.count)\n# xred\n"
        for at in r.atoms { s += "#   " + at.position.map { String(format: "%.10f", $0) }.joined(separator: " ") + "    # \(at.species)\n" }
        return s
    }

    /// ABINIT's `ixc` for the libxc functional preconv-mpi evaluates, by functional name: without it
    /// ABINIT takes the files' own `pspxc`, whose built-in PBE differs from libxc's by a few parts in
    /// 1e7 of E_xc (Tests/PlaneWaveTests/Psp8Reference.swift gives the GaAs and Si figures).
    static let abinitIXC: [String: (code: Int, comment: String)] = [
        "PBE": (-101130, "libxc GGA_X_PBE + GGA_C_PBE, the PBE preconv-mpi evaluates"),
        "PW92": (-1012, "libxc LDA_X + LDA_C_PW (Perdew–Wang 92), as preconv-mpi"),
        "LDA": (-20, "libxc LDA_XC_TETER93 (Goedecker–Teter–Hutter), as preconv-mpi"),
    ]

    /// pw.x's `input_dft` for a functional name (QE's short names: PW = Slater + PW92 correlation).
    static let qeInputDFT = ["PBE": "PBE", "PW92": "PW", "LDA": "LDA"]

    /// Quantum ESPRESSO pw.x: the `&SYSTEM` variables and the K_POINTS, CELL_PARAMETERS and
    /// ATOMIC_POSITIONS cards, between marker comments. When species are read from UPF files, also
    /// `pseudo_dir` (the files' directory, in a `&CONTROL` block) and the ATOMIC_SPECIES card naming
    /// them (GTH species by their `.gth` export); psp8 files get a note that pw.x needs UPF files.
    /// ecutrho is 4 × ecutwfc (norm-conserving potentials). Spin-polarised, `nspin = 2` and
    /// `starting_magnetization(i)` per species i (the ATOMIC_SPECIES order), m/Z_val within [−1, 1].
    public static func quantumEspresso(_ r: RecommendedParameters) -> String {
        var s = "! preconv-mpi: recommended parameters for \(r.name) (\(r.formula), \(r.functional), \(r.pseudopotentials.keys.sorted().map { "\($0) \(r.pseudopotentials[$0]!)" }.joined(separator: ", ")))\n"
        s += "! paste the first block into &SYSTEM (with ibrav = 0, nat, ntyp), the cards after the namelists (units: Ry)\n"
        let files = r.pseudopotential_files ?? [:]
        let upf = files.filter { $0.value.lowercased().hasSuffix(".upf") }
        let psp8 = files.filter { !$0.value.lowercased().hasSuffix(".upf") }
        if !psp8.isEmpty {
            s += "! pseudopotentials: pw.x needs UPF files of the same family as " + psp8.keys.sorted().map { "\($0) \(psp8[$0]!)" }.joined(separator: ", ")
                + " in ATOMIC_SPECIES (pw.x does not read psp8)\n"
        }
        let upfDirectories = Set(upf.values.map { ($0 as NSString).deletingLastPathComponent })
        if !upf.isEmpty {
            if upfDirectories.count > 1 {
                s += "! pseudopotentials: pw.x reads every file from one pseudo_dir; copy " + upf.keys.sorted().map { upf[$0]! }.joined(separator: ", ") + " into one directory\n"
            } else if upf.count < r.pseudopotentials.count {
                s += "! pseudopotentials: copy the .gth files written beside this file into pseudo_dir\n"
            }
            s += "! --- &CONTROL ---\n"
            s += "  pseudo_dir = '\(upfDirectories.sorted()[0])'\n"
        }
        s += "! --- &SYSTEM ---\n"
        s += "  ecutwfc = \(num(r.ecut_Ry))\n"
        s += "  ecutrho = \(num(r.ecutrho_Ry))\n"
        s += "  input_dft = '\(qeInputDFT[r.functional.uppercased()] ?? r.functional)'\n"
        switch r.smearing.type {
        case "none":
            s += "  occupations = 'fixed'\n"
        default:
            let name = ["fermi-dirac": "fd", "gaussian": "gaussian", "marzari-vanderbilt": "cold", "methfessel-paxton": "mp"][r.smearing.type] ?? "fd"
            s += "  occupations = 'smearing'\n"
            s += "  smearing = '\(name)'\n"
            s += "  degauss = \(num(r.smearing.width_Ry))\n"
        }
        if let moments = r.starting_magnetic_moments_muB {
            s += "  nspin = 2\n"
            // per species (ATOMIC_SPECIES order: the elements sorted), as a fraction of its valence charge
            for (i, el) in r.pseudopotentials.keys.sorted().enumerated() {
                let own = zip(r.atoms, moments).filter { $0.0.species == el }.map { $0.1 }
                guard let m = own.first else { continue }
                let z = Double(r.valence_electrons?[el] ?? 0)
                let fraction = z > 0 ? max(-1, min(1, m / z)) : 0
                s += "  starting_magnetization(\(i + 1)) = \(num(fraction))    ! \(el): \(num(m)) μB / Z_val \(Int(z))\n"
                if Set(own).count > 1 {
                    s += "  ! the \(el) atoms start with different moments (\(own.map { num($0) }.joined(separator: ", ")) μB): give each its own species (\(el)1, \(el)2, …) for pw.x\n"
                }
            }
        }
        s += "! --- cards ---\n"
        if !upf.isEmpty {
            s += "ATOMIC_SPECIES    ! masses: any value for an scf\n"
            for el in r.pseudopotentials.keys.sorted() {
                let file = upf[el].map { ($0 as NSString).lastPathComponent }
                    ?? files[el] ?? pseudopotentialFile(element: el, name: r.pseudopotentials[el]!)
                s += "  \(el) 1.0 \(file)\n"
            }
        }
        s += "K_POINTS automatic\n"
        s += "  \(r.kmesh.map(String.init).joined(separator: " ")) \(r.kshift.map(String.init).joined(separator: " "))\n"
        s += "CELL_PARAMETERS angstrom\n"
        for v in r.lattice_vectors_angstrom { s += "  " + v.map { String(format: "%16.12f", $0) }.joined(separator: " ") + "\n" }
        s += "ATOMIC_POSITIONS crystal\n"
        for at in r.atoms { s += "  \(at.species) " + at.position.map { String(format: "%.10f", $0) }.joined(separator: " ") + "\n" }
        return s
    }

    /// Writes recommended.json, both snippets and the GTH pseudopotentials (pspcod-10 `.gth` files,
    /// read by ABINIT and pw.x; none for species read from files) into `directory`; returns the paths.
    @discardableResult
    public static func write(_ r: RecommendedParameters, to directory: String,
                             pseudopotentials: [GTHPseudopotential] = []) throws -> [String] {
        let e = JSONCoding.encoder(pretty: true)
        var paths = [recommendedFile, abinitFile, qeFile].map { (directory as NSString).appendingPathComponent($0) }
        try e.encode(r).write(to: URL(fileURLWithPath: paths[0]), options: .atomic)
        try abinit(r).write(toFile: paths[1], atomically: true, encoding: .utf8)
        try quantumEspresso(r).write(toFile: paths[2], atomically: true, encoding: .utf8)
        for pp in pseudopotentials where r.pseudopotential_files?[pp.element] == nil {   // file species: named by path
            let p = (directory as NSString).appendingPathComponent(pseudopotentialFile(element: pp.element, name: pp.name))
            try psp10(pp, functional: r.functional).write(toFile: p, atomically: true, encoding: .utf8)
            paths.append(p)
        }
        return paths
    }

    /// A pseudopotential of the shipped tables in ABINIT's pspcod-10 (HGH/GTH, full h_ij) layout:
    /// what ABINIT reads, and what Quantum ESPRESSO's pw.x reads from a file whose name ends in `.gth`.
    public static func psp10(_ pp: GTHPseudopotential, functional: String) -> String {
        let z = Elements.atomicNumber(pp.element) ?? 0
        let pspxc = ["PBE": 11, "LDA": 1, "PW92": 7][functional.uppercased()] ?? 11
        let lmax = pp.channels.map(\.l).max() ?? -1
        func n8(_ x: Double) -> String { String(format: "%.8f", x) }
        var s = "\(pp.element) \(pp.name) (CP2K GTH table shipped with preconv-mpi), pspcod=10\n"
        s += "\(z) \(pp.zion) 230101 zatom,zion,pspdat\n"
        s += "10 \(pspxc) \(max(lmax, 0)) 0 2001 0 pspcod,pspxc,lmax,lloc,mmax,r2well\n"
        s += "\(n8(pp.rloc)) \(pp.c.count) " + pp.c.map(n8).joined(separator: " ") + " rloc nloc c1..cnloc\n"
        s += "\(lmax + 1) nnonloc\n"
        if lmax >= 0 {
            for l in 0...lmax {
                guard let ch = pp.channels.first(where: { $0.l == l }) else { s += "\(n8(pp.rloc)) 0\n"; continue }
                let n = ch.count
                for a in 0..<n {
                    let row = (a..<n).map { n8(ch.h[a][$0]) }.joined(separator: " ")
                    s += (a == 0 ? "\(n8(ch.radius)) \(n) " : "") + row + "\n"
                }
                if l > 0 { for a in 0..<n { s += Array(repeating: "0.0", count: n - a).joined(separator: " ") + "\n" } }
            }
        }
        return s
    }

    /// File name of a pseudopotential's pspcod-10 export, e.g. "Ga.GTH-PBE-q3.gth".
    public static func pseudopotentialFile(element: String, name: String) -> String { "\(element).\(name).gth" }

    /// Shortest text of a number that reads back exactly (no exponent for ordinary values).
    static func num(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e12 { return String(format: "%.1f", x) }
        return "\(x)"
    }
}
