import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The `XMLParser` delegate behind `UPF`: collects the attributes of every element (by name; the
/// UPF v2 names are unique: PP_HEADER, PP_BETA.1, PP_RELBETA.1, …) and the numbers of the array
/// elements the reader uses, checking that each number is finite. It knows nothing of the blocks'
/// meaning; `UPF` checks presence, lengths and values.
final class UPFXMLReader: NSObject, XMLParserDelegate {
    /// Elements whose text is an array of numbers.
    static func isArray(_ name: String) -> Bool {
        ["PP_R", "PP_RAB", "PP_LOCAL", "PP_DIJ", "PP_NLCC", "PP_RHOATOM"].contains(name)
            || name.hasPrefix("PP_BETA.") || name.hasPrefix("PP_CHI.")
    }

    private(set) var rootAttributes: [String: String]?
    /// Whether `</UPF>` was reached (swift-corelibs-foundation's parser reports no error for a
    /// document that ends early).
    private(set) var rootClosed = false
    private(set) var attributes: [String: [String: String]] = [:]
    private(set) var arrays: [String: [Double]] = [:]
    /// The first problem found (the parse is aborted then).
    private(set) var error: (message: String, line: Int?)?
    private var depth = 0
    private var current: String?
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes a: [String: String] = [:]) {
        depth += 1
        if depth == 1 {
            guard name == "UPF" else { abort(parser, "not a UPF file (its root element is <\(name)>, not <UPF>)"); return }
            rootAttributes = a
            return
        }
        if attributes[name] != nil, depth == 2 || Self.isArray(name) {
            abort(parser, "the block \(name) appears twice")
            return
        }
        attributes[name] = a
        if Self.isArray(name) {
            current = name
            text = ""
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if current != nil { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        depth -= 1
        if depth == 0 { rootClosed = true }
        guard name == current else { return }
        current = nil
        var values: [Double] = []
        for token in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }) {
            let s = token.contains(where: { $0 == "D" || $0 == "d" })
                ? token.replacingOccurrences(of: "D", with: "E").replacingOccurrences(of: "d", with: "e") : String(token)
            guard let v = Double(s), v.isFinite else {
                abort(parser, "'\(token)' in \(name) is not a finite number")
                return
            }
            values.append(v)
        }
        arrays[name] = values
        text = ""
    }

    private func abort(_ parser: XMLParser, _ message: String) {
        guard error == nil else { return }
        error = (message, parser.lineNumber)
        parser.abortParsing()
    }
}
