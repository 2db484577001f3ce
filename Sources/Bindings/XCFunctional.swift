import CXC

/// One libxc functional, spin-unpolarised or (`polarized`) collinear spin-polarised.
///
/// Spin-polarised, libxc's arrays interleave the channels per point: ρ = (ρ↑, ρ↓),
/// σ = (∇ρ↑·∇ρ↑, ∇ρ↑·∇ρ↓, ∇ρ↓·∇ρ↓), vρ = (∂(ρε)/∂ρ↑, ∂(ρε)/∂ρ↓), vσ likewise with σ's three
/// entries; ε stays one value per point (per particle of ρ↑ + ρ↓).
///
/// libxc returns ε_xc per particle (`zk`), ∂(ρε)/∂ρ (`vrho`) and, for GGAs, ∂(ρε)/∂σ with
/// σ = |∇ρ|² (`vsigma`). Calling the GGA entry point on an LDA silently does nothing, so the
/// evaluation dispatches on the family.
public final class XCFunctional: @unchecked Sendable {
    public enum Family: Sendable { case lda, gga }
    public let id: Int32
    public let family: Family
    public let name: String
    /// Spin channels of the inputs: 1 (XC_UNPOLARIZED) or 2 (XC_POLARIZED).
    public let spinChannels: Int
    /// Heap-allocated: libxc keeps state in the struct, so it must have a stable address
    /// (`&storedProperty` of a class may hand libxc a temporary copy).
    private let functional: UnsafeMutablePointer<xc_func_type>

    public enum XCError: Error, CustomStringConvertible {
        case unknown(String), initFailed(Int32), unsupportedFamily(String)
        public var description: String {
            switch self {
            case .unknown(let n): "unknown libxc functional '\(n)'"
            case .initFailed(let id): "libxc could not initialise functional \(id)"
            case .unsupportedFamily(let n): "libxc functional \(n) is neither LDA nor GGA (only those are supported)"
            }
        }
    }

    /// By libxc name, e.g. `gga_x_pbe`, `lda_xc_teter93`, `lda_c_pw`.
    public convenience init(name: String, polarized: Bool = false) throws {
        let id = xc_functional_get_number(name)
        if id <= 0 { throw XCError.unknown(name) }
        try self.init(id: id, polarized: polarized)
    }

    public init(id: Int32, polarized: Bool = false) throws {
        let f = UnsafeMutablePointer<xc_func_type>.allocate(capacity: 1)
        f.initialize(to: xc_func_type())
        guard xc_func_init(f, id, polarized ? XC_POLARIZED : XC_UNPOLARIZED) == 0 else {
            f.deallocate()
            throw XCError.initFailed(id)
        }
        let info = f.pointee.info!
        let name = String(cString: xc_func_info_get_name(info))
        switch xc_func_info_get_family(info) {
        case XC_FAMILY_LDA: family = .lda
        case XC_FAMILY_GGA: family = .gga
        default:
            xc_func_end(f)
            f.deallocate()
            throw XCError.unsupportedFamily(name)
        }
        self.id = id
        self.name = name
        spinChannels = polarized ? 2 : 1
        functional = f
    }

    deinit {
        xc_func_end(functional)
        functional.deallocate()
    }

    /// Evaluates on `rho.count / spinChannels` points; `sigma` is required for GGAs and ignored for LDAs.
    /// Returns ε (per particle), vρ and vσ (zeros for an LDA), in the layout above.
    public func evaluate(rho: [Double], sigma: [Double]?) -> (exc: [Double], vrho: [Double], vsigma: [Double]) {
        let np = rho.count / spinChannels
        let nsigma = spinChannels == 1 ? np : 3 * np
        var zk = [Double](repeating: 0, count: np)
        var vrho = [Double](repeating: 0, count: rho.count)
        var vsigma = [Double](repeating: 0, count: nsigma)
        if np == 0 { return (zk, vrho, vsigma) }
        switch family {
        case .lda:
            xc_lda_exc_vxc(functional, np, rho, &zk, &vrho)
        case .gga:
            let s = sigma ?? [Double](repeating: 0, count: nsigma)
            precondition(s.count == nsigma, "sigma must have one value (three spin-polarised) per point")
            xc_gga_exc_vxc(functional, np, rho, s, &zk, &vrho, &vsigma)
        }
        return (zk, vrho, vsigma)
    }

    /// ε (per particle) only, on `rho.count` points (cheaper than `evaluate` when no potential is needed).
    public func energyDensity(rho: [Double], sigma: [Double]?) -> [Double] {
        let np = rho.count / spinChannels
        let nsigma = spinChannels == 1 ? np : 3 * np
        var zk = [Double](repeating: 0, count: np)
        if np == 0 { return zk }
        switch family {
        case .lda:
            xc_lda_exc(functional, np, rho, &zk)
        case .gga:
            let s = sigma ?? [Double](repeating: 0, count: nsigma)
            precondition(s.count == nsigma, "sigma must have one value (three spin-polarised) per point")
            xc_gga_exc(functional, np, rho, s, &zk)
        }
        return zk
    }

    public static var libraryVersion: String { String(cString: xc_version_string()) }
}
