internal import CCIF
import Foundation

/// One value of a CIF data item as the COMCIFS CIF API parses it: a number carries its standard
/// uncertainty (`5.653(2)` → 5.653 ± 0.002), `?` is unknown and `.` inapplicable.
public enum CIFValue: Sendable, Equatable {
    case text(String)
    case number(Double, su: Double, text: String)
    case unknown
    case inapplicable

    /// The number, also of a quoted numeric text; nil for `?`, `.` and non-numeric text.
    public var number: Double? {
        switch self {
        case let .number(x, _, _): x
        case let .text(t): CIFValue.parseNumber(t)
        case .unknown, .inapplicable: nil
        }
    }

    /// The value as written (without delimiters); "?" or "." for the special values.
    public var text: String {
        switch self {
        case let .text(t): t
        case let .number(_, _, t): t
        case .unknown: "?"
        case .inapplicable: "."
        }
    }

    /// A CIF number with an optional su in parentheses ("0.305(2)").
    static func parseNumber(_ t: String) -> Double? {
        var s = Substring(t.trimmingCharacters(in: .whitespaces))
        if s.hasSuffix(")"), let open = s.lastIndex(of: "(") { s = s[..<open] }
        return Double(s)
    }
}

/// A data block of a CIF file: every item by lower-cased name, with its column of values (one value
/// for an item outside a loop, one per packet for a looped item; items of one loop have equal
/// columns, in packet order).
public struct CIFBlock: Sendable {
    public let name: String
    public let items: [String: [CIFValue]]
    /// Lower-cased item names by loop (the scalars of the block form one "loop" of one packet).
    public let loops: [[String]]

    /// The values of `name` (case-insensitive), nil when the block lacks it.
    public func values(_ name: String) -> [CIFValue]? { items[name.lowercased()] }

    /// The single value of a non-looped item, nil when absent.
    public func value(_ name: String) -> CIFValue? {
        guard let v = values(name), v.count == 1 else { return nil }
        return v[0]
    }
}

/// Reading CIF 1.1 / 2.0 files with the COMCIFS CIF API (`libcif`, Debian `libcif-dev`).
public enum CIFFile {
    /// The data blocks of the file, in file order. A syntax error throws `InputError` naming the
    /// file, line and column.
    public static func read(path: String, field: String) throws -> [CIFBlock] {
        let name = (path as NSString).lastPathComponent
        guard let stream = fopen(path, "rb") else {
            throw InputError(field, "cannot open CIF file '\(path)'")
        }
        defer { fclose(stream) }
        var cif: OpaquePointer? = nil
        guard cif_create(&cif) == CIF_OK, let cif else { throw InputError(field, "\(name): the CIF library could not start") }
        defer { _ = cif_destroy(cif) }

        var opts: UnsafeMutablePointer<cif_parse_opts_s>? = nil
        guard cif_parse_options_create(&opts) == CIF_OK, let opts else {
            throw InputError(field, "\(name): the CIF library could not start")
        }
        defer { free(opts) }
        // the first syntax error stops the parse; its position is recorded here
        let firstError = UnsafeMutablePointer<(Int32, Int, Int)>.allocate(capacity: 1)
        firstError.initialize(to: (0, 0, 0))
        defer { firstError.deallocate() }
        opts.pointee.user_data = UnsafeMutableRawPointer(firstError)
        // CIF 1.1 allows only ASCII, but database files carry UTF-8 in names and comments: such text
        // is decoded as UTF-8 and the character error is let through (the parser recovers); every
        // other error stops the parse
        let utf8 = strdup("UTF-8")
        defer { free(utf8) }
        opts.pointee.default_encoding_name = UnsafePointer(utf8)
        opts.pointee.error_callback = { code, line, column, _, _, data in
            if code == CIF_DISALLOWED_CHAR { return CIF_OK }
            let e = data!.assumingMemoryBound(to: (Int32, Int, Int).self)
            if e.pointee.0 == 0 { e.pointee = (code, line, column) }
            return code
        }
        var target: OpaquePointer? = cif
        let rc = cif_parse(stream, opts, &target)
        if rc != CIF_OK {
            let (code, line, column) = firstError.pointee
            let c = code != 0 ? code : rc
            throw InputError(field, "\(name): not a readable CIF: \(String(cString: preconv_cif_error_text(c)))"
                             + (line > 0 ? " at line \(line), column \(column)" : ""))
        }

        var blocksPtr: UnsafeMutablePointer<OpaquePointer?>? = nil
        try check(cif_get_all_blocks(cif, &blocksPtr), name, field)
        defer { free(blocksPtr) }
        var blocks: [CIFBlock] = []
        var i = 0
        while let block = blocksPtr?[i] {
            defer { cif_container_free(block) }
            blocks.append(try readBlock(block, name, field))
            i += 1
        }
        return blocks
    }

    private static func check(_ rc: Int32, _ name: String, _ field: String) throws {
        guard rc == CIF_OK else {
            throw InputError(field, "\(name): the CIF library failed: \(String(cString: preconv_cif_error_text(rc)))")
        }
    }

    private static func string(_ u: UnsafePointer<UChar>?) -> String? {
        guard let u else { return nil }
        var n = 0
        while u[n] != 0 { n += 1 }
        return String(decoding: UnsafeBufferPointer(start: u, count: n), as: UTF16.self)
    }

    private static func readBlock(_ block: OpaquePointer, _ name: String, _ field: String) throws -> CIFBlock {
        var code: UnsafeMutablePointer<UChar>? = nil
        try check(cif_container_get_code(block, &code), name, field)
        let blockName = string(code) ?? ""
        free(code)

        var loopsPtr: UnsafeMutablePointer<OpaquePointer?>? = nil
        try check(cif_container_get_all_loops(block, &loopsPtr), name, field)
        defer { free(loopsPtr) }
        var items: [String: [CIFValue]] = [:]
        var loops: [[String]] = []
        var l = 0
        while let loop = loopsPtr?[l] {
            defer { cif_loop_free(loop); l += 1 }
            var namesPtr: UnsafeMutablePointer<UnsafeMutablePointer<UChar>?>? = nil
            try check(cif_loop_get_names(loop, &namesPtr), name, field)
            var names: [(String, UnsafeMutablePointer<UChar>)] = []
            var k = 0
            while let n = namesPtr?[k] { names.append((string(n)!.lowercased(), n)); k += 1 }
            defer { for (_, n) in names { free(n) }; free(namesPtr) }
            var columns = [[CIFValue]](repeating: [], count: names.count)
            var iterator: OpaquePointer? = nil
            let rc = cif_loop_get_packets(loop, &iterator)
            if rc == CIF_EMPTY_LOOP { continue }
            try check(rc, name, field)
            var packet: OpaquePointer? = nil
            while true {
                let next = cif_pktitr_next_packet(iterator, &packet)
                if next == CIF_FINISHED { break }
                guard next == CIF_OK else { _ = cif_pktitr_close(iterator); try check(next, name, field); break }
                for (j, (_, uname)) in names.enumerated() {
                    var value: OpaquePointer? = nil
                    if cif_packet_get_item(packet, uname, &value) == CIF_OK, let value {
                        columns[j].append(convert(value))
                    } else {
                        columns[j].append(.unknown)
                    }
                }
            }
            if let packet { cif_packet_free(packet) }
            _ = cif_pktitr_close(iterator)
            for (j, (n, _)) in names.enumerated() { items[n] = columns[j] }
            loops.append(names.map(\.0))
        }
        return CIFBlock(name: blockName, items: items, loops: loops)
    }

    /// Copies a value (owned by its packet) into Swift.
    private static func convert(_ v: OpaquePointer) -> CIFValue {
        var textPtr: UnsafeMutablePointer<UChar>? = nil
        _ = cif_value_get_text(v, &textPtr)
        let text = string(textPtr) ?? ""
        free(textPtr)
        switch cif_value_kind(v) {
        case CIF_NUMB_KIND:
            var x = 0.0, su = 0.0
            guard cif_value_get_number(v, &x) == CIF_OK else { return .text(text) }
            _ = cif_value_get_su(v, &su)
            return .number(x, su: su, text: text)
        case CIF_UNK_KIND: return .unknown
        case CIF_NA_KIND: return .inapplicable
        default: return .text(text)
        }
    }
}
