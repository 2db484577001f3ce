import Bindings

/// Exchange–correlation functional as a list of libxc components.
public struct Functional: Sendable, Equatable, CustomStringConvertible {
    public let name: String
    /// libxc names, e.g. ["gga_x_pbe", "gga_c_pbe"].
    public let components: [String]
    public init(name: String, components: [String]) { self.name = name; self.components = components }

    /// Teter93 Padé LDA (the GTH-PADE fit; ABINIT ixc=1).
    public static let lda = Functional(name: "LDA", components: ["lda_xc_teter93"])
    /// Slater exchange + Perdew–Wang 92 correlation.
    public static let pw92 = Functional(name: "PW92", components: ["lda_x", "lda_c_pw"])
    /// Perdew–Burke–Ernzerhof GGA.
    public static let pbe = Functional(name: "PBE", components: ["gga_x_pbe", "gga_c_pbe"])

    /// Looks up a functional by a user name: LDA (= Teter93), TETER93, PW92, PBE.
    public static func named(_ s: String) -> Functional? {
        switch s.uppercased() {
        case "LDA", "TETER93", "PADE", "LDA-TETER93": .lda
        case "PW92", "LDA-PW92", "PW": .pw92
        case "PBE", "GGA-PBE": .pbe
        default: nil
        }
    }
    public static let known = ["LDA", "TETER93", "PW92", "PBE"]
    public var description: String { name }
}

/// The physics of one calculation: crystal, pseudopotentials, functional, smearing.
public struct Model: Sendable {
    public let crystal: Crystal
    /// Pseudopotential per species symbol (GTH or tabulated norm-conserving).
    public let pseudopotentials: [String: any Pseudopotential]
    public let functional: Functional
    public let smearing: Smearing
    /// Collinear spin polarisation: the starting magnetic moment of each atom (μB, in the crystal's
    /// order; positive along the spin-up axis), nil for a spin-unpolarised calculation. The moments
    /// make the starting magnetisation density (`SCF.initialDensity`) and lower the symmetry to the
    /// operations that map every atom onto one of the same species and moment (`symmetryTypes`).
    public let magneticMoments: [Double]?
    /// A fixed total magnetisation M (μB per cell) of a spin-polarised model: the spin-up and
    /// spin-down channels hold (N_el ± M)/2 electrons, each with its own Fermi level (`Occupations`,
    /// ABINIT's `spinmagntarget`); nil lets the moment relax with one Fermi level.
    public let fixedMagnetization: Double?
    /// The radius (bohr) of the sphere each atom's moment is integrated in (`MomentSpheres`), in the
    /// crystal's order: the given one, or `MomentSpheres.defaultRadii` (half the distance to the
    /// nearest neighbour). Analysis only: no energy depends on it.
    public let momentSphereRadii: [Double]

    public init(crystal: Crystal, pseudopotentials: [String: any Pseudopotential], functional: Functional,
                smearing: Smearing, magneticMoments: [Double]? = nil, fixedMagnetization: Double? = nil,
                momentSphereRadii: [Double?]? = nil) throws {
        for (i, a) in crystal.atoms.enumerated() where pseudopotentials[a.species] == nil {
            throw InputError("pseudopotentials", "no pseudopotential for \(a.species) (atom \(i))")
        }
        for (s, pp) in pseudopotentials where pp.element != s {
            throw InputError("pseudopotentials.\(s)", "'\(pp.element) \(pp.name)' is for \(pp.element), not \(s)")
        }
        if smearing.width < 0 || !smearing.width.isFinite {
            throw InputError("smearing.width", "must be a positive number of Ha, got \(smearing.width)")
        }
        if smearing != .none && smearing.width == 0 {
            throw InputError("smearing.width", "must be positive for \(smearing) (use 'none' for fixed occupations)")
        }
        if let moments = magneticMoments {
            guard moments.count == crystal.atoms.count else {
                throw InputError("spin.moments", "\(moments.count) moments given for \(crystal.atoms.count) atoms")
            }
            for (i, (m, a)) in zip(moments, crystal.atoms).enumerated() {
                let z = Double(pseudopotentials[a.species]!.zion)
                guard m.isFinite, abs(m) <= z else {
                    throw InputError("spin.moments", "\(m) μB on atom \(i) (\(a.species)) is not within ±\(Int(z)) μB, its valence electron count")
                }
            }
            if smearing == .none {
                throw InputError("smearing", "none: a spin-polarised calculation needs a smearing (e.g. {type: fermi-dirac, width: 0.01 Ha}) to share the electrons between the spin channels")
            }
        }
        if let m = fixedMagnetization {
            guard magneticMoments != nil else {
                throw InputError("spin.total_magnetization", "\(m) μB needs a spin-polarised calculation (polarized: true)")
            }
            let n = crystal.atoms.reduce(0) { $0 + pseudopotentials[$1.species]!.zion }
            guard m.isFinite, abs(m) <= Double(n) else {
                throw InputError("spin.total_magnetization", "\(m) μB is not within ±\(n) μB, the cell's valence electron count")
            }
        }
        self.crystal = crystal
        self.pseudopotentials = pseudopotentials
        self.functional = functional
        self.smearing = smearing
        self.magneticMoments = magneticMoments
        self.fixedMagnetization = fixedMagnetization
        let defaults = MomentSpheres.defaultRadii(crystal)
        if let r = momentSphereRadii, r.count != crystal.atoms.count {
            throw InputError("spin.sphere_radii", "\(r.count) radii given for \(crystal.atoms.count) atoms")
        }
        self.momentSphereRadii = crystal.atoms.indices.map { momentSphereRadii?[$0] ?? defaults[$0] }
        for (i, r) in self.momentSphereRadii.enumerated() where !(r > 0 && r.isFinite) {
            throw InputError("spin.sphere_radii", "\(r) bohr for atom \(i) (\(crystal.atoms[i].species)) is not a positive radius")
        }
    }

    /// 2 for a collinear spin-polarised model (orbitals and densities of spin up and down), else 1.
    public var spinChannels: Int { magneticMoments == nil ? 1 : 2 }

    /// The most electrons one orbital holds: 2 without spin polarisation, 1 with.
    public var filledOccupation: Double { magneticMoments == nil ? 2 : 1 }

    /// The atom types symmetry is found with (spglib): the atomic number, made distinct for atoms of
    /// one species with different moments, so that only operations mapping each atom onto one with
    /// the same moment remain (a moment pattern that breaks a symmetry keeps the lower symmetry;
    /// operations that reverse every moment, as in antiferromagnets, are not used).
    public var symmetryTypes: [Int] {
        let z = crystal.atoms.map { Elements.atomicNumber($0.species)! }
        guard let moments = magneticMoments else { return z }
        var classes: [Double] = []
        return zip(z, moments).map { zi, m in
            let c = classes.firstIndex { abs($0 - m) < 1e-6 } ?? { classes.append(m); return classes.count - 1 }()
            return zi + 1000 * c
        }
    }

    /// Number of valence electrons Σ Z_ion.
    public var electronCount: Int { crystal.atoms.reduce(0) { $0 + pseudopotentials[$1.species]!.zion } }
}

/// Numerical parameters of the discretisation.
public struct Discretization: Sendable, Equatable {
    /// Plane-wave cutoff (Ha): |k+G|²/2 ≤ ecut.
    public var ecut: Double
    public var kmesh: [Int]
    /// 0 or 1 per direction: shift by half a mesh step (Monkhorst–Pack shift).
    public var kshift: [Int]
    /// FFT grid; nil = smallest FFTW-friendly grid holding the density sphere.
    public var fftGrid: [Int]?
    /// Number of bands; nil = automatic.
    public var bands: Int?
    /// Use spglib symmetries and time reversal to reduce the mesh.
    public var useSymmetry: Bool

    public init(ecut: Double, kmesh: [Int], kshift: [Int] = [0, 0, 0], fftGrid: [Int]? = nil, bands: Int? = nil,
                useSymmetry: Bool = true) throws {
        guard ecut.isFinite, ecut > 0 else { throw InputError("ecut", "must be positive, got \(ecut) Ha") }
        guard kmesh.count == 3, kmesh.allSatisfy({ $0 >= 1 }) else {
            throw InputError("kmesh", "must be three positive integers, got \(kmesh)")
        }
        guard kshift.count == 3, kshift.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw InputError("kshift", "must be three values each 0 or 1, got \(kshift)")
        }
        if let g = fftGrid, g.count != 3 || g.contains(where: { $0 < 1 }) {
            throw InputError("fft_grid", "must be three positive integers, got \(g)")
        }
        if let b = bands, b < 1 { throw InputError("bands", "must be positive, got \(b)") }
        self.ecut = ecut; self.kmesh = kmesh; self.kshift = kshift; self.fftGrid = fftGrid; self.bands = bands
        self.useSymmetry = useSymmetry
    }
}
