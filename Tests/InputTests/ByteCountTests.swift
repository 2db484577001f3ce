import Bindings
import Foundation
import Testing
import Input

@Suite struct ByteCountParsing {
    @Test(arguments: [("16GiB", Int64(17_179_869_184)), ("1GiB", 1 << 30), ("512 MiB", 512 << 20), ("2G", 2 << 30),
                      ("1GB", 1_000_000_000), ("1.5kB", 1500), ("4096", 4096), ("3k", 3072), ("0", 0)])
    func parses(text: String, bytes: Int64) throws {
        #expect(try ByteCount(parsing: text).bytes == bytes)
    }

    @Test(arguments: ["", "lots", "-1G", "16XB", "1e9", "GiB", "1..5G"])
    func rejects(text: String) {
        #expect(throws: InputError.self) { try ByteCount(parsing: text) }
    }

    @Test func describesInBinaryUnits() {
        #expect(ByteCount.gibibytes(16).description == "16.0 GiB")
        #expect(ByteCount(bytes: 1536).description == "1.5 KiB")
        #expect(ByteCount(bytes: 12).description == "12 B")
    }
}
