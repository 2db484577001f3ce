import Bindings
import Foundation
import PlaneWave

/// A pseudopotential read from a file named in `pseudopotentials.files` (ABINIT psp8 or Quantum
/// ESPRESSO UPF v2, norm-conserving, ONCVPSP; UPF when the name ends in `.upf` in any case), kept
/// with its resolved path and checksum so that overrides rebuild the model without rereading it and
/// runs started with other files are told apart.
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

    /// Reads `pseudopotentials.files.<element>` (`node`: the path text, relative to the config's
    /// directory); every problem is one `InputError` at `node` naming the file.
    static func read(_ node: ConfigNode, element: String, functional: Functional) throws -> PseudopotentialFile {
        let text = try node.string(expected: "a path to a psp8 or UPF file")
        guard !text.isEmpty else { throw node.error("an empty path; give a psp8 or UPF file") }
        let url = text.hasPrefix("/") ? URL(fileURLWithPath: text) : node.document.baseDirectory.appendingPathComponent(text)
        let path = url.standardizedFileURL.path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else {
            throw node.error("no such file '\(path)'")
        }
        guard let data = FileManager.default.contents(atPath: path), let content = String(data: data, encoding: .utf8) else {
            throw node.error("cannot read '\(path)' as UTF-8 text")
        }
        do {
            let name = (path as NSString).lastPathComponent
            if path.lowercased().hasSuffix(".upf") {
                let upf = try UPF(data: data, file: path, field: node.path)
                guard let fileClass = upf.functionalClass else {
                    throw InputError(node.path, "the UPF functional '\(upf.header.functional)' is one this program cannot check against functional \(functional.name)", file: path)
                }
                guard fileClass == functionalClass(functional) else {
                    throw InputError(node.path, "the file's functional is \(fileClass) ('\(upf.header.functional)'), but functional is \(functional.name)", file: path)
                }
                let pp = try upf.pseudopotential(element: element, name: name, file: path, field: node.path)
                return PseudopotentialFile(element: element, path: path, sha256: sha256Hex(data), format: .upf, pspxc: nil,
                                           functionalLabel: upf.header.functional, potential: pp)
            }
            let psp = try Psp8(text: content, file: path, field: node.path)
            guard let fileClass = functionalClass(pspxc: psp.pspxc) else {
                throw InputError(node.path, "pspxc \(psp.pspxc) is a functional this program cannot check against functional \(functional.name)", file: path)
            }
            guard fileClass == functionalClass(functional) else {
                throw InputError(node.path, "the file's functional is \(fileClass) (pspxc \(psp.pspxc)), but functional is \(functional.name)", file: path)
            }
            let pp = try psp.pseudopotential(element: element, name: name, file: path, field: node.path)
            return PseudopotentialFile(element: element, path: path, sha256: sha256Hex(data), format: .psp8, pspxc: psp.pspxc,
                                       functionalLabel: "pspxc \(psp.pspxc)", potential: pp)
        } catch let e as InputError {
            let at = e.line.map { "'\(e.file ?? path)', line \($0)" } ?? "'\(e.file ?? path)'"
            throw node.error("\(e.message) (\(at))")
        }
    }
}
