import Testing
import Foundation
import Numerics
import Bindings
import PlaneWave

/// Sphere-pruned wave-function FFTs against full 3-D FFTs (FFT3D) on GaAs plane-wave bases.
@Suite("Sphere-pruned wave-function FFT")
struct WavefunctionFFTTests {
    /// GaAs (PBE GTH, ecut 25 Ha as in the engine benchmark) with a Γ-containing mesh and a
    /// shifted one (general k-points); `fftGrid` nil = the minimal cubic-equal grid.
    static func bases(fftGrid: [Int]?) throws -> [PlaneWaveBasis] {
        let library = PseudopotentialLibrary.shared.entries
        let crystal = try Crystal.zincblende("Ga", "As", a: 10.6826)
        let model = try Model(crystal: crystal,
                              pseudopotentials: ["Ga": library["Ga GTH-PBE-q3"]!, "As": library["As GTH-PBE-q5"]!],
                              functional: .pbe, smearing: .fermiDirac(0.01))
        // Without symmetry a non-cubic grid is allowed and the shifted mesh keeps general points.
        let useSymmetry = fftGrid == nil
        return try [[0, 0, 0], [1, 1, 1]].map { shift in
            try PlaneWaveBasis(model: model, discretization: Discretization(
                ecut: 25, kmesh: [3, 3, 3], kshift: shift, fftGrid: fftGrid, useSymmetry: useSymmetry))
        }
    }

    /// Γ and a k-point with three distinct non-zero reduced components.
    static func kpoints(_ bases: [PlaneWaveBasis]) -> [KBasis] {
        let gamma = bases[0].kpoints.first { $0.kpoint.reduced == .zero }!
        let general = bases[1].kpoints.first { k in
            let r = k.kpoint.reduced
            return r.x != 0 && r.y != 0 && r.z != 0 && r.x != r.y && r.y != r.z && r.x != r.z
        } ?? bases[1].kpoints.max { a, b in
            Set([a.kpoint.reduced.x, a.kpoint.reduced.y, a.kpoint.reduced.z]).count
                < Set([b.kpoint.reduced.x, b.kpoint.reduced.y, b.kpoint.reduced.z]).count
        }!
        return [gamma, general]
    }

    struct Random {
        var state: UInt64
        mutating func next() -> Double {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return Double((state &* 0x2545F4914F6CDD1D) >> 11) / Double(1 << 53) - 0.5
        }
        mutating func complex(_ n: Int) -> [Complex64] { (0..<n).map { _ in Complex64(next(), next()) } }
    }

    static func maxDifference(_ a: [Complex64], _ b: [Complex64]) -> Double {
        zip(a, b).map { ($0 - $1).length }.max() ?? 0
    }

    static func fullBackward(_ c: [Complex64], _ kb: KBasis, _ fft: FFT3D) -> [Complex64] {
        fft.buffer.update(repeating: .zero)
        for (g, i) in kb.fftIndex.enumerated() { fft.buffer[Int(i)] = c[g] }
        fft.backward()
        return Array(fft.buffer)
    }

    static func fullForward(_ values: [Complex64], _ kb: KBasis, _ fft: FFT3D, scale: Double) -> [Complex64] {
        for i in 0..<fft.count { fft.buffer[i] = values[i] }
        fft.forward()
        return kb.fftIndex.map { fft.buffer[Int($0)] * scale }
    }

    @Test("pruned transforms equal full 3-D FFTs", arguments: [nil, [36, 40, 45]] as [[Int]?])
    func matchesFullFFT(fftGrid: [Int]?) throws {
        let bases = try Self.bases(fftGrid: fftGrid)
        let size = bases[0].fftSize
        if let g = fftGrid { #expect(size == g) } else { #expect(size[0] == size[1] && size[1] == size[2]) }
        let kps = Self.kpoints(bases)
        #expect(kps[0].kpoint.reduced == .zero)
        #expect(kps[1].kpoint.reduced != .zero)
        let fft = FFT3D(size[0], size[1], size[2])
        let pruned = WavefunctionFFT(fftSize: size)
        let n = fft.count
        var random = Random(state: 0x9E3779B97F4A7C15)
        let potential = (0..<n).map { _ in random.next() }
        // Alternate the k-points on one transform: the work arrays' zero regions must follow.
        for kb in kps + kps {
            let layout = pruned.layout(for: kb)
            #expect(layout.sheetCount < size[2], "sphere should leave sheets empty")
            #expect(layout.pencilCount < size[1] * size[2] / 2, "sphere should leave most pencils empty")
            let c = random.complex(kb.count)

            let back = pruned.backward(c, layout: layout)
            #expect(back.count == n)
            let backDiff = Self.maxDifference(back, Self.fullBackward(c, kb, fft))
            #expect(backDiff < 1e-12, "backward at k = \(kb.kpoint.reduced), grid \(size): \(backDiff)")

            let values = random.complex(n)
            let fwd = pruned.forward(values, layout: layout, scale: 1 / Double(n))
            #expect(fwd.count == kb.count)
            let fwdDiff = Self.maxDifference(fwd, Self.fullForward(values, kb, fft, scale: 1 / Double(n)))
            #expect(fwdDiff < 1e-12, "forward at k = \(kb.kpoint.reduced), grid \(size): \(fwdDiff)")

            // Local potential: (1/N) F V F⁻¹ c
            var vc = [Complex64](repeating: .zero, count: kb.count)
            potential.withUnsafeBufferPointer { v in
                c.withUnsafeBufferPointer { x in
                    vc.withUnsafeMutableBufferPointer { pruned.applyPotential(v, to: x, layout: layout, into: $0) }
                }
            }
            let psi = Self.fullBackward(c, kb, fft)
            let vpsi = (0..<n).map { psi[$0] * potential[$0] }
            let vcDiff = Self.maxDifference(vc, Self.fullForward(vpsi, kb, fft, scale: 1 / Double(n)))
            #expect(vcDiff < 1e-12, "V applied at k = \(kb.kpoint.reduced), grid \(size): \(vcDiff)")

            // Density: rho += w |F⁻¹ c|² on top of what is there
            var rho = potential
            rho.withUnsafeMutableBufferPointer { r in
                c.withUnsafeBufferPointer { pruned.accumulateDensity($0, layout: layout, weight: 0.25, into: r) }
            }
            let rhoDiff = (0..<n).map { abs(rho[$0] - (potential[$0] + 0.25 * psi[$0].lengthSquared)) }.max()!
            #expect(rhoDiff < 1e-12, "density at k = \(kb.kpoint.reduced), grid \(size): \(rhoDiff)")
        }
    }

    @Test("layout runs cover exactly the sphere's pencils and sheets; merging gaps keeps results")
    func layoutRuns() throws {
        let bases = try Self.bases(fftGrid: [36, 40, 45])
        let kb = Self.kpoints(bases)[1]
        let size = bases[0].fftSize
        let exact = SphereFFTLayout(kbasis: kb, fftSize: size)
        func covered(_ runs: [SphereFFTLayout.Run]) -> Set<Int> {
            Set(runs.flatMap { Int($0.start)..<Int($0.start + $0.count) })
        }
        let plane = size[1] * size[2]
        #expect(covered(exact.pencils) == Set(kb.fftIndex.map { Int($0) % plane }))
        #expect(covered(exact.sheets) == Set(kb.fftIndex.map { Int($0) % size[2] }))
        let merged = SphereFFTLayout(kbasis: kb, fftSize: size, mergeGap: 3)
        #expect(merged.pencils.count < exact.pencils.count && merged.pencilCount > exact.pencilCount)
        let pruned = WavefunctionFFT(fftSize: size, measure: false)
        var random = Random(state: 42)
        let c = random.complex(kb.count)
        let values = random.complex(pruned.count)
        #expect(Self.maxDifference(pruned.backward(c, layout: exact), pruned.backward(c, layout: merged)) < 1e-12)
        #expect(Self.maxDifference(pruned.forward(values, layout: exact, scale: 1),
                                   pruned.forward(values, layout: merged, scale: 1)) < 1e-12)
    }
}
