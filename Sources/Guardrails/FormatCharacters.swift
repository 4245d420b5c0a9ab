/// Removal of invisible characters: format characters (zero-width space and joiners, soft hyphen,
/// bidi embeddings, overrides and isolates, the word joiner, the BOM), other default-ignorable
/// code points and variation selectors. A "k\u{200B}ill" spells "kill".
enum FormatCharacters {
    /// Whether `scalar` is invisible in this sense.
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        return properties.generalCategory == .format || properties.isDefaultIgnorableCodePoint
            || properties.isBidiControl || properties.isVariationSelector
    }

    /// `text` without its invisible characters.
    static func removed(from text: String) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: text.unicodeScalars.filter { !isInvisible($0) })
        return String(scalars)
    }
}
