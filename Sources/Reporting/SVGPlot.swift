import Foundation
import Input
import RunStore
import Convergence

/// A small plotting helper producing inline SVG: axes with "nice" ticks (linear or log),
/// polylines and markers, horizontal/vertical reference lines, labelled ticks and a legend.
/// Every data series is drawn as a `<g class="series" data-name=… data-points=N>` group, so a
/// reader (or a test) can tell that a plot has data.
struct SVGPlot {
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
        var color: String
        var line = true
        var markers = false
        var dashed = false
        /// Indices at which a new polyline starts (breaks in a path).
        var breaks: Set<Int> = []
        var markerRadius = 3.0
        /// Draw a bar from the x axis (y = range minimum) to each point, `barWidth` pixels wide.
        var bars = false
        var barWidth = 8.0
    }
    struct ReferenceLine {
        var value: Double
        var label: String
        var color = "#888"
        var dashed = true
        /// Vertical lines: label near the bottom instead of the top.
        var labelAtBottom = false
    }

    var id: String
    var title: String
    var xLabel: String
    var yLabel: String
    var width = 640.0
    var height = 340.0
    var xLog = false
    var yLog = false
    var xRange: ClosedRange<Double>? = nil
    var yRange: ClosedRange<Double>? = nil
    var series: [Series] = []
    var hLines: [ReferenceLine] = []
    var vLines: [ReferenceLine] = []
    /// Replaces the automatic x ticks (e.g. high-symmetry labels, k-meshes).
    var xTicks: [(x: Double, label: String)]? = nil
    /// Draw x tick lines across the plot (band-structure labels).
    var xGrid = false
    var legend = true
    /// Text at a data point, offset by `dy` pixels (negative: above).
    var annotations: [(x: Double, y: Double, text: String, color: String, dy: Double)] = []

    let left = 72.0, right = 18.0, top = 30.0, bottom = 48.0

    func render() -> String {
        let pw = width - left - right, ph = height - top - bottom
        let data = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite && (!xLog || $0.x > 0) && (!yLog || $0.y > 0) }
        let refYs = hLines.map(\.value).filter { !yLog || $0 > 0 }
        let xr = xRange ?? SVGPlot.padded(data.map(\.x) + vLines.map(\.value), log: xLog, pad: 0.04)
        let yr = yRange ?? SVGPlot.padded(data.map(\.y) + refYs, log: yLog, pad: 0.08)
        func tx(_ x: Double) -> Double {
            let (a, b, v) = xLog ? (log10(xr.lowerBound), log10(xr.upperBound), log10(x)) : (xr.lowerBound, xr.upperBound, x)
            return left + (b > a ? (v - a) / (b - a) : 0.5) * pw
        }
        func ty(_ y: Double) -> Double {
            let (a, b, v) = yLog ? (log10(yr.lowerBound), log10(yr.upperBound), log10(y)) : (yr.lowerBound, yr.upperBound, y)
            return top + ph - (b > a ? (v - a) / (b - a) : 0.5) * ph
        }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" id=\"\(htmlEscaped(id))\" data-plot=\"\(htmlEscaped(id))\" "
            + "width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"\(htmlEscaped(title))\">\n"
        s += "<title>\(htmlEscaped(title))</title>\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#fff\"/>\n"
        s += "<text x=\"\(f(left + pw / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(htmlEscaped(title))</text>\n"
        s += "<defs><clipPath id=\"clip-\(htmlEscaped(id))\"><rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\"/></clipPath></defs>\n"
        // ticks and grid
        let yt = SVGPlot.ticks(yr, log: yLog)
        for t in yt {
            let y = ty(t)
            s += "<line x1=\"\(f(left))\" x2=\"\(f(left + pw))\" y1=\"\(f(y))\" y2=\"\(f(y))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\" font-size=\"11\">\(htmlEscaped(SVGPlot.label(t, log: yLog)))</text>\n"
        }
        let xt = xTicks ?? SVGPlot.ticks(xr, log: xLog).map { ($0, SVGPlot.label($0, log: xLog)) }
        for t in xt where t.x >= xr.lowerBound - 1e-12 && t.x <= xr.upperBound + 1e-12 {
            let x = tx(t.x)
            s += "<line x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"\(f(xGrid ? top : top + ph))\" y2=\"\(f(top + ph + 4))\" stroke=\"\(xGrid ? "#bbb" : "#444")\"/>"
            s += "<text x=\"\(f(x))\" y=\"\(f(top + ph + 17))\" text-anchor=\"middle\" font-size=\"11\">\(htmlEscaped(t.label))</text>\n"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#444\"/>\n"
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\" font-size=\"12\">\(htmlEscaped(xLabel))</text>\n"
        s += "<text transform=\"translate(16 \(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">\(htmlEscaped(yLabel))</text>\n"
        s += "<g clip-path=\"url(#clip-\(htmlEscaped(id)))\">\n"
        for l in hLines where !yLog || l.value > 0 {
            let y = ty(l.value)
            s += "<line class=\"reference\" x1=\"\(f(left))\" x2=\"\(f(left + pw))\" y1=\"\(f(y))\" y2=\"\(f(y))\" stroke=\"\(l.color)\"\(l.dashed ? " stroke-dasharray=\"6 4\"" : "")/>"
            s += "<text x=\"\(f(left + pw - 4))\" y=\"\(f(y - 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"\(l.color)\">\(htmlEscaped(l.label))</text>\n"
        }
        for l in vLines where !xLog || l.value > 0 {
            let x = tx(l.value)
            s += "<line class=\"reference\" x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"\(f(top))\" y2=\"\(f(top + ph))\" stroke=\"\(l.color)\"\(l.dashed ? " stroke-dasharray=\"6 4\"" : "")/>"
            let rightHalf = x > left + 0.6 * pw
            s += "<text x=\"\(f(rightHalf ? x - 4 : x + 4))\" y=\"\(f(l.labelAtBottom ? top + ph - 6 : top + 12))\" text-anchor=\"\(rightHalf ? "end" : "start")\" font-size=\"11\" fill=\"\(l.color)\">\(htmlEscaped(l.label))</text>\n"
        }
        for se in series {
            let pts = se.points.enumerated().filter { $0.element.x.isFinite && $0.element.y.isFinite && (!xLog || $0.element.x > 0) && (!yLog || $0.element.y > 0) }
            s += "<g class=\"series\" data-name=\"\(htmlEscaped(se.name))\" data-points=\"\(pts.count)\">"
            if se.line && pts.count > 1 {
                var runs: [[(Double, Double)]] = [[]]
                for (i, p) in pts {
                    if se.breaks.contains(i), !(runs.last!.isEmpty) { runs.append([]) }
                    runs[runs.count - 1].append((tx(p.x), ty(p.y)))
                }
                for run in runs where run.count > 1 {
                    s += "<polyline fill=\"none\" stroke=\"\(se.color)\" stroke-width=\"1.6\"\(se.dashed ? " stroke-dasharray=\"5 3\"" : "") points=\""
                    s += run.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ") + "\"/>"
                }
            }
            if se.bars {
                let base = ty(yr.lowerBound)
                for (_, p) in pts {
                    let y = ty(p.y)
                    s += "<rect x=\"\(f(tx(p.x) - se.barWidth / 2))\" y=\"\(f(min(y, base)))\" width=\"\(f(se.barWidth))\" height=\"\(f(abs(base - y)))\" fill=\"\(se.color)\"/>"
                }
            }
            if se.markers {
                for (_, p) in pts {
                    s += "<circle cx=\"\(f(tx(p.x)))\" cy=\"\(f(ty(p.y)))\" r=\"\(f(se.markerRadius))\" fill=\"\(se.color)\"/>"
                }
            }
            s += "</g>\n"
        }
        for a in annotations where a.x.isFinite && a.y.isFinite {
            s += "<text x=\"\(f(tx(a.x) + 6))\" y=\"\(f(ty(a.y) + a.dy))\" font-size=\"11\" fill=\"\(a.color)\">\(htmlEscaped(a.text))</text>\n"
        }
        s += "</g>\n"
        let named = series.filter { !$0.name.isEmpty && !$0.name.hasPrefix("_") }
        if legend && named.count > 1 {
            var y = top + 14
            for se in named {
                let x = left + pw - 170
                s += "<line x1=\"\(f(x))\" x2=\"\(f(x + 18))\" y1=\"\(f(y - 4))\" y2=\"\(f(y - 4))\" stroke=\"\(se.color)\" stroke-width=\"2\"\(se.dashed ? " stroke-dasharray=\"5 3\"" : "")/>"
                if se.markers && !se.line { s += "<circle cx=\"\(f(x + 9))\" cy=\"\(f(y - 4))\" r=\"3\" fill=\"\(se.color)\"/>" }
                s += "<text x=\"\(f(x + 24))\" y=\"\(f(y))\" font-size=\"11\">\(htmlEscaped(se.name))</text>\n"
                y += 15
            }
        }
        s += "</svg>"
        return s
    }

    // MARK: helpers

    static func padded(_ values: [Double], log: Bool, pad: Double) -> ClosedRange<Double> {
        let v = values.filter { $0.isFinite && (!log || $0 > 0) }
        guard var lo = v.min(), var hi = v.max() else { return log ? 0.1...10 : 0...1 }
        if log {
            lo = log10(lo); hi = log10(hi)
            if hi - lo < 1 { let c = (hi + lo) / 2; lo = c - 0.5; hi = c + 0.5 }
            let p = (hi - lo) * pad
            return pow(10, lo - p)...pow(10, hi + p)
        }
        if hi - lo < 1e-300 { let d = max(abs(lo) * 0.05, 1e-9); lo -= d; hi += d }
        let p = (hi - lo) * pad
        return (lo - p)...(hi + p)
    }

    static func ticks(_ r: ClosedRange<Double>, log: Bool) -> [Double] {
        if log {
            let a = Int(log10(r.lowerBound).rounded(.up)), b = Int(log10(r.upperBound).rounded(.down))
            if b < a { return [pow(10, (log10(r.lowerBound) + log10(r.upperBound)) / 2)] }
            let stride = max(1, (b - a + 1) / 7 + ((b - a + 1) % 7 == 0 ? 0 : 1))
            return Swift.stride(from: a, through: b, by: stride).map { pow(10, Double($0)) }
        }
        let span = r.upperBound - r.lowerBound
        guard span > 0 else { return [r.lowerBound] }
        let raw = span / 6
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var t = (r.lowerBound / step).rounded(.up) * step
        var out: [Double] = []
        while t <= r.upperBound + step * 1e-9 { out.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return out
    }

    static func label(_ x: Double, log: Bool) -> String {
        if log {
            let e = Int(log10(x).rounded())
            if e >= -3 && e <= 3 { return e >= 0 ? String(format: "%.0f", x) : String(format: "%.\(-e)f", x) }
            return "1e\(e)"
        }
        if x == 0 { return "0" }
        let a = abs(x)
        if a >= 1e5 || a < 1e-3 { return String(format: "%.2g", x) }
        var s = String(format: "%.4f", x)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    func f(_ x: Double) -> String { String(format: "%.2f", x) }
}

/// HTML/XML escaping.
func htmlEscaped(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}
