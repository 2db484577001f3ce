import Bindings
import Testing
import PlaneWave

/// The shipped GTH tables (generated from CP2K's GTH_POTENTIALS, cp2k-data 2023.1) and their lookup.
/// Reference numbers are those of /work/shared/reference/abinit-inputs/*.psp10, copied here.
@Suite("Pseudopotential library")
struct PseudopotentialLibraryTests {
    let library = PseudopotentialLibrary.shared

    @Test("every shipped entry parses, and its name's qN equals its valence charge")
    func everyEntryParses() throws {
        let parsed = try GTHPseudopotential.parseLibrary(GTHTables.text)
        let all = library.allPseudopotentials
        #expect(all.count == 238)
        #expect(all.count == GTHTables.entryCount)
        #expect(all.filter { $0.name.hasPrefix("GTH-PBE-q") }.count == 107)
        #expect(all.filter { $0.name.hasPrefix("GTH-PADE-q") }.count == 131)
        // Every entry header in the text is one distinct entry.
        let headers = GTHTables.text.split(separator: "\n").filter { $0.first?.isLetter == true }
        #expect(headers.count == all.count)
        for pp in all {
            let spec = try PseudopotentialSpec(parsing: pp.name)
            #expect(spec.valence == pp.zion, "\(pp.element) \(pp.name): zion \(pp.zion)")
            #expect(Elements.atomicNumber(pp.element) != nil, "\(pp.element)")
            #expect(pp.rloc > 0 && pp.rloc < 2, "\(pp.element) \(pp.name) rloc \(pp.rloc)")
            #expect(pp.c.count <= 4)
            for ch in pp.channels {
                #expect(ch.radius > 0 && ch.count >= 1 && ch.count <= 3, "\(pp.element) \(pp.name) l=\(ch.l)")
                for a in 0..<ch.count { for b in 0..<ch.count { #expect(ch.h[a][b] == ch.h[b][a]) } }
            }
            #expect(parsed["\(pp.element) \(pp.name)"] == pp)
            // GTH-PADE entries are also reachable under their GTH-LDA alias.
            if pp.name.hasPrefix("GTH-PADE-q") {
                #expect(parsed["\(pp.element) \(pp.name.replacingOccurrences(of: "PADE", with: "LDA"))"] == pp)
            }
        }
    }

    @Test("Ga GTH-PBE-q3 matches Ga-q3.gth-pbe.psp10")
    func galliumPBE() throws {
        let ga = try library.lookup(element: "Ga", family: "GTH-PBE", valence: 3)
        #expect(ga.element == "Ga" && ga.name == "GTH-PBE-q3")
        #expect(ga.zion == 3)
        #expect(ga.rloc == 0.56)
        #expect(ga.c.isEmpty)
        #expect(ga.channels.map(\.l) == [0, 1, 2])
        let s = ga.channels[0], p = ga.channels[1], d = ga.channels[2]
        #expect(s.count == 3 && s.radius == 0.56586645)
        #expect(s.h[0][0] == 2.21575051)
        #expect(s.h[0][1] == 1.03244793 && s.h[1][0] == 1.03244793)
        #expect(s.h[0][2] == -0.76062946)
        #expect(s.h[1][1] == -2.57004845)
        #expect(s.h[1][2] == 1.96393682)
        #expect(s.h[2][2] == -1.55882652)
        #expect(p.count == 2 && p.radius == 0.64671613)
        #expect(p.h[0][0] == 0.31122394 && p.h[0][1] == 0.61341605 && p.h[1][1] == -0.72580366)
        #expect(d.count == 1 && d.radius == 0.99942484 && d.h[0][0] == 0.08951951)
        #expect(ga.projectorCount == 3 * 1 + 2 * 3 + 1 * 5)
    }

    @Test("As GTH-PBE-q5 and Si GTH-PADE-q4 match the psp10 files")
    func arsenicAndSilicon() throws {
        let asPBE = try library.lookup(element: "As", family: "GTH-PBE", valence: 5)
        #expect(asPBE.zion == 5 && asPBE.rloc == 0.52)
        let si = try library.lookup(element: "Si", family: "GTH-PADE", valence: 4)
        #expect(si.zion == 4 && si.rloc == 0.44)
        #expect(si.c.count == 1 && si.c[0] == -7.33610297)
        // GTH-LDA is an alias of GTH-PADE.
        #expect(try library.lookup(element: "Si", family: "GTH-LDA", valence: 4) == si)
        #expect(try library.lookup(element: "Si", family: "gth-lda", valence: 4) == si)
    }

    @Test("a nil valence selects the family default (the bare-family alias)")
    func familyDefaults() throws {
        #expect(try library.lookup(element: "As", family: "GTH-PBE", valence: nil).name == "GTH-PBE-q5")
        #expect(try library.lookup(element: "Si", family: "GTH-LDA", valence: nil).name == "GTH-PADE-q4")
        // CP2K's default Ga is the semicore q13, not q3.
        #expect(try library.lookup(element: "Ga", family: "GTH-PBE", valence: nil).zion == 13)
        #expect(library.defaultValence(element: "Ga", family: "GTH-PADE") == 13)
        #expect(library.valences(element: "Ga", family: "GTH-PBE") == [3, 13])
        #expect(library.valences(element: "Cu", family: "GTH-PADE") == [1, 11, 19])
    }

    @Test("spec strings")
    func specs() throws {
        let a = try PseudopotentialSpec(parsing: "GTH-PBE-q3")
        #expect(a.family == "GTH-PBE" && a.valence == 3 && a.description == "GTH-PBE-q3")
        let b = try PseudopotentialSpec(parsing: " gth-lda-q4 ")
        #expect(b.family == "GTH-PADE" && b.valence == 4 && b.description == "GTH-PADE-q4")
        let c = try PseudopotentialSpec(parsing: "GTH-PADE")
        #expect(c.family == "GTH-PADE" && c.valence == nil)
        #expect(try library.lookup(element: "Ga", spec: "GTH-PBE-q3").rloc == 0.56)
        for bad in ["GTH-PBE-qx", "GTH-PBE-q0", "GTH-PBE-3", "GTH-BLYP-q3", "PBE", "", "GTH-PBE-q"] {
            #expect(throws: InputError.self, "\(bad)") { try PseudopotentialSpec(parsing: bad) }
        }
    }

    @Test("unknown entries throw an InputError naming the field and the valences that exist")
    func unknownEntries() throws {
        do {
            _ = try library.lookup(element: "Ga", family: "GTH-PBE", valence: 5, field: "pseudopotentials.valence.Ga")
            Issue.record("expected an error")
        } catch let e as InputError {
            #expect(e.field == "pseudopotentials.valence.Ga")
            #expect(e.message.contains("q3, q13"), "\(e)")
        }
        do {
            _ = try library.lookup(element: "Ga", family: "GTH-FOO", valence: 3, field: "pseudopotentials.family")
            Issue.record("expected an error")
        } catch let e as InputError {
            #expect(e.field == "pseudopotentials.family")
            #expect(e.message.contains("GTH-FOO") && e.message.contains("GTH-PADE"), "\(e)")
        }
        // U has only GTH-PBE-q14 and no family default.
        do {
            _ = try library.lookup(element: "U", family: "GTH-PBE", valence: nil)
            Issue.record("expected an error")
        } catch let e as InputError {
            #expect(e.field == "pseudopotentials" && e.message.contains("q14"), "\(e)")
        }
        #expect(throws: InputError.self) { try library.lookup(element: "Xx", family: "GTH-PBE", valence: nil) }
        #expect(throws: InputError.self) { try library.lookup(element: "Fr", family: "GTH-PBE", valence: nil) }
    }
}
