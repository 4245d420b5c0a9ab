/// Where a match lies in the original text.
public struct TextSpan: Sendable, Equatable, Hashable {
    /// Offset of the first byte in the text's UTF-8.
    public var byteOffset: Int
    /// Length in UTF-8 bytes.
    public var byteLength: Int
    /// Offset in characters (grapheme clusters, as Swift counts them).
    public var characterOffset: Int
    /// Length in characters.
    public var characterLength: Int

    public init(byteOffset: Int, byteLength: Int, characterOffset: Int, characterLength: Int) {
        self.byteOffset = byteOffset
        self.byteLength = byteLength
        self.characterOffset = characterOffset
        self.characterLength = characterLength
    }
}
