/// The shipped pseudopotential tables: Goedecker–Teter–Hutter pseudopotentials as tabulated by
/// M. Krack, Theor. Chem. Acc. 114, 145 (2005), i.e. the GTH-PBE-q* and GTH-PADE-q* (alias
/// GTH-LDA-q*) entries of CP2K's GTH_POTENTIALS data file (Debian package cp2k-data 2023.1), each
/// entry's lines verbatim apart from trailing blanks and followed by a '#' separator line. Every
/// such entry is in the plain GTH format (no spin-orbit k_ij lines); none was left out.
///
/// The text is the data file `GTH_POTENTIALS` beside this file (written by
/// scripts/generate-gth-tables.py), compiled into the binary (`.embedInCode` in Package.swift) so
/// that a compute node needs no resource bundle. Parsed by `GTHPseudopotential.parseLibrary`
/// through `PseudopotentialLibrary`.
public enum GTHTables {
    public static let text = String(decoding: PackageResources.GTH_POTENTIALS, as: UTF8.self)
    /// Number of entries in `text` (its '#' separator lines).
    public static let entryCount = text.utf8.split(separator: UInt8(ascii: "\n")).filter { $0.elementsEqual("#".utf8) }.count
}
