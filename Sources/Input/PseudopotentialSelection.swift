import Bindings
import Foundation
import PlaneWave

/// What the `pseudopotentials` section selects for each element of the structure:
///
/// ```yaml
/// pseudopotentials:
///   files: {Ga: Ga-low.psp8}          # element → file (relative to the config's directory, or absolute)
///   directory: pseudos/pbe-standard   # <El>.psp8, <El>.upf or <El>.UPF for each element without a file
///   family: GTH-PBE                   # shipped GTH tables for the elements left over
///   valence: {As: 5}                  # GTH valences (only with family)
///   allow_functional_mismatch: false  # true: a file of another functional is a warning, not an error
/// ```
///
/// Contract: an element's pseudopotential comes from the first of `files.<El>`, the directory's
/// file for it, and `family`'s GTH table. In `directory` exactly one of `<El>.psp8`, `<El>.upf`,
/// `<El>.UPF` may exist (two are an error asking for `files.<El>`); an element with no file anywhere
/// and no `family` is an error naming the names tried. A file and a `valence` for the same element
/// are an error. Each file's functional must match `functional` (see
/// `PseudopotentialFile.functionalMismatch`) unless `allow_functional_mismatch: true`, which turns
/// the mismatch into a warning and records it in the file (so in the physics identity). Every
/// problem is one `InputError` at the YAML path it comes from, naming the file.
struct PseudopotentialSelection {
    /// Keys of the `pseudopotentials` mapping.
    static let keys = ["family", "valence", "files", "directory", "allow_functional_mismatch"]
    /// Extensions tried for `<El>` in `directory`, in this order.
    static let directoryExtensions = ["psp8", "upf", "UPF"]

    /// The GTH family (canonical name) for the elements without a file, nil when every element has one.
    var family: String?
    var valences: [String: Int] = [:]
    var files: [String: PseudopotentialFile] = [:]
    var warnings: [String] = []

    static func read(_ node: ConfigNode, structure: StructureSpec, functional: Functional) throws -> PseudopotentialSelection {
        let map = try node.mapping(allowed: keys, expected: "a mapping {family: GTH-PBE, valence: {Ga: 3}}, {files: {Ga: PATH}} or {directory: PATH}")
        var selection = PseudopotentialSelection()
        let species = Set(structure.atoms.map(\.species))

        // family and valences
        var familyNode = map["family"]
        if map["files"] == nil && map["directory"] == nil {
            familyNode = try map.required("family", PseudopotentialSpec.familyList + " (or files: {element: PATH}, or directory: PATH)")
        }
        if let familyNode {
            let text = try familyNode.string(expected: "a pseudopotential family")
            guard let f = PseudopotentialSpec.canonicalFamily(text) else {
                throw familyNode.error("'\(text)' is not one of \(PseudopotentialSpec.familyList)")
            }
            selection.family = f
            if f == "GTH-PBE" && functional != .pbe || f == "GTH-PADE" && functional == .pbe {
                selection.warnings.append("pseudopotentials.family: \(f) was fitted for \(f == "GTH-PBE" ? "PBE" : "LDA"), but the functional is \(functional.name)")
            }
        }
        if let vNode = map["valence"] {
            guard let family = selection.family else {
                throw vNode.error("a valence selects a GTH table of pseudopotentials.family; give the family, or a file per element")
            }
            let vm = try vNode.mapping(expected: "a mapping element → valence, e.g. {Ga: 3, As: 5}")
            for (element, value) in vm.entries where !value.isNull {
                guard Elements.atomicNumber(element) != nil else { throw value.error("unknown element '\(element)'") }
                selection.valences[element] = try Config.readValence(value, family: family)
                if !species.contains(element) { selection.warnings.append("\(value.path): there is no \(element) in the structure") }
            }
        }
        let allowMismatch = try map["allow_functional_mismatch"]?.bool() ?? false

        // files, then the directory for the elements without one
        if let filesNode = map["files"] {
            let fm = try filesNode.mapping(expected: "a mapping element → psp8 file, e.g. {Si: Si.psp8}")
            for (element, value) in fm.entries where !value.isNull {
                guard Elements.atomicNumber(element) != nil else { throw value.error("unknown element '\(element)'") }
                if selection.valences[element] != nil {
                    throw value.error("\(element) has both a file and pseudopotentials.valence.\(element); the file sets its valence")
                }
                selection.add(try PseudopotentialFile.read(value, element: element, functional: functional,
                                                           allowFunctionalMismatch: allowMismatch), field: value.path)
                if !species.contains(element) { selection.warnings.append("\(value.path): there is no \(element) in the structure") }
            }
        }
        if let dirNode = map["directory"] {
            let directory = try resolveDirectory(dirNode)
            for element in species.sorted() where selection.files[element] == nil {
                let (tried, found) = candidates(element: element, in: directory)
                if found.count > 1 {
                    throw dirNode.error("both \(found.map { "'\($0)'" }.joined(separator: " and ")) exist; choose one with pseudopotentials.files.\(element)")
                }
                guard let path = found.first else {
                    if selection.family != nil || selection.valences[element] != nil { continue }   // GTH
                    throw dirNode.error("no file for \(element) in '\(directory)' (tried \(tried.joined(separator: ", "))); "
                                        + "give pseudopotentials.files.\(element) or a GTH pseudopotentials.family for the rest")
                }
                if selection.valences[element] != nil {
                    throw dirNode.error("\(element) has both '\(path)' and pseudopotentials.valence.\(element); "
                                        + "remove the valence, or give the GTH choice without the directory")
                }
                selection.add(try PseudopotentialFile.load(path, at: dirNode, element: element, functional: functional,
                                                           allowFunctionalMismatch: allowMismatch), field: dirNode.path)
            }
        }
        if selection.family == nil, let missing = species.subtracting(selection.files.keys).sorted().first {
            throw (map["files"] ?? node).error("no file for \(missing) (give one per element, or a GTH pseudopotentials.family for the rest)")
        }
        return selection
    }

    /// Selects `file` for its element; a functional mismatch it carries becomes a warning at `field`.
    mutating func add(_ file: PseudopotentialFile, field: String) {
        files[file.element] = file
        if let mismatch = file.functionalMismatch {
            warnings.append("\(field): \(mismatch) ('\(file.path)'); used anyway (pseudopotentials.allow_functional_mismatch)")
        }
    }

    /// The directory of `pseudopotentials.directory` (relative to the config's directory, or absolute); it must exist.
    static func resolveDirectory(_ node: ConfigNode) throws -> String {
        let text = try node.string(expected: "a path to a directory of pseudopotential files")
        guard !text.isEmpty else { throw node.error("an empty path; give a directory of <Element>.psp8 or <Element>.upf files") }
        let url = text.hasPrefix("/") ? URL(fileURLWithPath: text) : node.document.baseDirectory.appendingPathComponent(text)
        let path = url.standardizedFileURL.path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw node.error("no such directory '\(path)'") }
        guard isDir.boolValue else {
            throw node.error("'\(path)' is a file, not a directory (a single file per element is pseudopotentials.files)")
        }
        return path
    }

    /// The file names tried for `element` in `directory` and the paths of those that exist. On a
    /// case-insensitive file system `<El>.upf` and `<El>.UPF` are one file, counted once.
    static func candidates(element: String, in directory: String) -> (tried: [String], found: [String]) {
        let tried = directoryExtensions.map { "\(element).\($0)" }
        let listing = Set((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        let found = tried.filter { listing.contains($0) }.map { directory + "/" + $0 }
        return (tried, found)
    }
}
