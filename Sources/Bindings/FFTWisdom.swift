import CFFTW

/// FFTW's "wisdom": the plans FFTW_MEASURE has timed in this process, exported as text and imported
/// by a later process so that the same transforms are planned without timing them again.
public enum FFTWisdom {
    /// Everything planned so far, as FFTW's text.
    public static var text: String {
        FFTWPlanner.locked {
            guard let c = fftw_export_wisdom_to_string() else { return "" }
            defer { fftw_free(c) }
            return String(cString: c)
        }
    }

    /// Adds the wisdom in `text`; false if FFTW does not accept it (it then keeps what it had).
    @discardableResult public static func add(_ text: String) -> Bool {
        FFTWPlanner.locked { fftw_import_wisdom_from_string(text) != 0 }
    }
}
