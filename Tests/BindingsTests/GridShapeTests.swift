import Bindings
import Testing
import Parallel

@Suite struct GridShapeParsing {
    @Test func parsesBothSeparators() throws {
        #expect(try GridShape(parsing: "2x4") == GridShape(rows: 2, cols: 4))
        #expect(try GridShape(parsing: "3×1").count == 3)
    }

    @Test(arguments: ["2", "0x2", "2x", "axb", "2x2x2"])
    func rejects(text: String) {
        #expect(throws: InputError.self) { try GridShape(parsing: text) }
    }
}
