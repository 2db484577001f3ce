/// The calculus of real fields given at a set of points of a cell's FFT grid: spectral derivatives
/// (∇f = Σ_G iG f_G e^{iG·r}, Nyquist components dropped) and the part of ∫ f g d³r = (Ω/N) Σ_r f g
/// over those points. On a whole grid (`FourierGrid`) the integral is complete; on one process' slab
/// (`GridSlab`) it is that process' part, and the derivatives are collective. Exchange–correlation is
/// written once against it, for either.
public protocol FieldCalculus {
    /// ∂ₓf, ∂ᵧf, ∂_z f at the points.
    func gradient(_ f: [Double]) throws -> [[Double]]
    /// |∇f|² at the points.
    func gradientSquared(_ f: [Double]) throws -> [Double]
    /// ∇·v of a Cartesian vector field (three components) at the points.
    func divergence(_ v: [[Double]]) throws -> [Double]
    /// (Ω/N) Σ f g over the points (N the grid's points).
    func integrate(_ f: [Double], _ g: [Double]) -> Double
}

extension FourierGrid: FieldCalculus {}
