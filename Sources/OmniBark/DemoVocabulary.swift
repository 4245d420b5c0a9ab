/// A small BERT-style vocabulary for the demo model: special tokens, ASCII characters, word
/// pieces and common English words, so any English text tokenizes without `[UNK]` floods.
enum DemoVocabulary {
    static let lines: [String] = {
        var tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        let printable = (33...126).compactMap { Unicode.Scalar($0).map { String(Character($0)) } }
        tokens += printable
        tokens += printable.filter { $0.first?.isLetter == true || $0.first?.isNumber == true }.map { "##" + $0 }
        tokens += ["the", "and", "hello", "world", "this", "is", "a", "test", "of", "to", "in", "it", "you", "that", "my",
                   "dog", "cute", "omni", "##bark", "bark", "speak", "voice", "demo", "model", "music", "la"]
        var seen = Set<String>()
        return tokens.filter { seen.insert($0).inserted }
    }()
}
