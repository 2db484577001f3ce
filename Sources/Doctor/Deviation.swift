import Bindings

/// Largest |aᵢ − bᵢ|; +∞ when the lengths differ or any difference is not finite
/// (so a NaN can never pass a tolerance test).
func maxDeviation<C: Collection, D: Collection>(_ a: C, _ b: D, _ distance: (C.Element, D.Element) -> Double) -> Double
where C.Index == Int, D.Index == Int {
    guard a.count == b.count else { return .infinity }
    var m = 0.0
    for (x, y) in zip(a, b) {
        let d = distance(x, y)
        guard d.isFinite else { return .infinity }
        m = max(m, d)
    }
    return m
}

func maxDeviation(_ a: [Double], _ b: [Double]) -> Double { maxDeviation(a, b) { abs($0 - $1) } }
