import Bindings
import Foundation
import PlaneWave

/// A pseudopotential read from a file named in `pseudopotentials.files` or found in
/// `pseudopotentials.directory` (ABINIT psp8 or Quantum ESPRESSO UPF v2, norm-conserving, ONCVPSP;
/// UPF when the name ends in `.upf` in any case), kept with its resolved path and checksum so that
/// overrides rebuild the model without rereading it and runs started with other files are told apart.
public struct PseudopotentialFile: Sendable {
    public let element: String
    /// The resolved path (absolute, or relative to the working directory when the config had none).
    public let path: String
    /// Lower-case hex SHA-256 of the file's bytes.
    public let sha256: String
    /// The file's format.
    public let format: Format
    /// The file's ABINIT functional code (psp8 only).
    public let pspxc: Int?
    /// The file's functional as it names it: "pspxc 11" (psp8), the UPF `functional` attribute.
    public let functionalLabel: String
    public let potential: NormConservingPseudopotential
    /// How the file's functional differs from the config's ("the file's functional is LDA (pspxc 2),
    /// but functional is PBE"), when `pseudopotentials.allow_functional_mismatch` let it through;
    /// nil when they agree. Part of the physics identity.
    public var functionalMismatch: String? = nil

    /// "Si.psp8 sha256:<hex>": the file name and its checksum.
    public var label: String { "\((path as NSString).lastPathComponent) sha256:\(sha256)" }

    /// The functional class ("PBE" or "LDA") of an ABINIT `pspxc`, nil when unknown.
    public static func functionalClass(pspxc: Int) -> String? {
        switch pspxc {
        case 11, -101130, -130101: "PBE"
        case 1, 2, 3, 7, -1012, -20: "LDA"
        default: nil
        }
    }

    public enum Format: String, Sendable { case psp8, upf }

    /// The class a config functional needs of a file: PBE for PBE, LDA for LDA (Teter93) and PW92.
    public static func functionalClass(_ f: Functional) -> String { f == .pbe ? "PBE" : "LDA" }

    /// Why a file of ABINIT functional `pspxc` does not fit `functional`, nil when it does: its class
    /// (`functionalClass(pspxc:)`) differs from the one `functional` needs, or is unknown.
    public static func functionalMismatch(pspxc: Int, functional: Functional) -> String? {
        functionalMismatch(fileClass: functionalClass(pspxc: pspxc), label: "pspxc \(pspxc)", functional: functional)
    }

    /// The same for a file whose functional has class `fileClass` (nil: unknown) and is named `label`
    /// in it (psp8 "pspxc 11", UPF "'SLA PW PBX PBC'").
    static func functionalMismatch(fileClass: String?, label: String, functional: Functional) -> String? {
        guard let fileClass else {
            return "the file's functional (\(label)) is one this program cannot check against functional \(functional.name)"
        }
        guard fileClass != functionalClass(functional) else { return nil }
        return "the file's functional is \(fileClass) (\(label)), but functional is \(functional.name)"
    }

    /// Reads `pseudopotentials.files.<element>` (`node`: the path text, relative to the config's
    /// directory); every problem is one `InputError` at `node` naming the file.
    static func read(_ node: ConfigNode, element: String, functional: Functional,
                     allowFunctionalMismatch: Bool = false) throws -> PseudopotentialFile {
        let text = try node.string(expected: "a path to a psp8 or UPF file")
        guard !text.isEmpty else { throw node.error("an empty path; give a psp8 or UPF file") }
        let url = text.hasPrefix("/") ? URL(fileURLWithPath: text) : node.document.baseDirectory.appendingPathComponent(text)
        return try load(url.standardizedFileURL.path, at: node, element: element, functional: functional,
                        allowFunctionalMismatch: allowFunctionalMismatch)
    }

    /// Reads the file at `path` (resolved) as `element`'s pseudopotential. Contract: every problem is
    /// one `InputError` at `node` (`pseudopotentials.files.<El>` or `pseudopotentials.directory`)
    /// naming the file; a functional other than `functional` is an error unless
    /// `allowFunctionalMismatch`, then it is kept in `functionalMismatch`.
    static func load(_ path: String, at node: ConfigNode, element: String, functional: Functional,
                     allowFunctionalMismatch: Bool) throws -> PseudopotentialFile {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw node.error("no such file '\(path)'")
        }
        guard !isDir.boolValue else {
            throw node.error("'\(path)' is a directory, not a pseudopotential file (a directory of files is pseudopotentials.directory)")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw node.error("cannot read '\(path)'") }
        guard !data.isEmpty else { throw node.error("'\(path)' is empty, not a pseudopotential file") }
        guard let content = String(data: data, encoding: .utf8) else {
            throw node.error("'\(path)' is not UTF-8 text, so not a psp8 or UPF file")
        }
        do {
            let name = (path as NSString).lastPathComponent
            if path.lowercased().hasSuffix(".upf") {
                let upf = try UPF(data: data, file: path, field: node.path)
                let mismatch = functionalMismatch(fileClass: upf.functionalClass, label: "'\(upf.header.functional)'", functional: functional)
                if let mismatch, !allowFunctionalMismatch {
                    throw InputError(node.path, "\(mismatch); to use it anyway set pseudopotentials.allow_functional_mismatch: true", file: path)
                }
                let pp = try upf.pseudopotential(element: element, name: name, file: path, field: node.path)
                return PseudopotentialFile(element: element, path: path, sha256: sha256Hex(data), format: .upf, pspxc: nil,
                                           functionalLabel: upf.header.functional, potential: pp, functionalMismatch: mismatch)
            }
            let psp = try Psp8(text: content, file: path, field: node.path)
            let mismatch = functionalMismatch(pspxc: psp.pspxc, functional: functional)
            if let mismatch, !allowFunctionalMismatch {
                throw InputError(node.path, "\(mismatch); to use it anyway set pseudopotentials.allow_functional_mismatch: true", file: path)
            }
            let pp = try psp.pseudopotential(element: element, name: name, file: path, field: node.path)
            return PseudopotentialFile(element: element, path: path, sha256: sha256Hex(data), format: .psp8, pspxc: psp.pspxc,
                                       functionalLabel: "pspxc \(psp.pspxc)", potential: pp, functionalMismatch: mismatch)
        } catch let e as InputError {
            let at = e.line.map { "'\(e.file ?? path)', line \($0)" } ?? "'\(e.file ?? path)'"
            throw node.error("\(e.message) (\(at))")
        }
    }
}
