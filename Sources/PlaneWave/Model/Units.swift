/// Conversion factors to Hartree atomic units (CODATA 2018).
public enum Units {
    /// 1 Å in bohr.
    public static let angstrom = 1.0 / 0.529177210903
    /// 1 bohr in bohr.
    public static let bohr = 1.0
    /// 1 Ry in Ha.
    public static let rydberg = 0.5
    /// 1 eV in Ha.
    public static let electronVolt = 1.0 / 27.211386245988
    /// 1 Ha in eV.
    public static let hartreeInEV = 27.211386245988
    /// 1 Ha/bohr³ in GPa.
    public static let hartreePerBohr3InGPa = 29421.015697
}
