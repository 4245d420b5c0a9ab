import Bark
import Testing

@Suite("TextSegmenter")
struct TextSegmenterTests {
    /// Checks the invariants every result must satisfy.
    private func checkInvariants(_ segments: [String], limit: Int, source: String) {
        for segment in segments {
            #expect(!segment.isEmpty)
            #expect(segment.unicodeScalars.count <= limit, "\(segment)")
            #expect(segment == segment.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let squash = { (s: String) in s.filter { !$0.isWhitespace } }
        #expect(squash(segments.joined()) == squash(source))
    }

    @Test("English: sentence ends, numbers, abbreviations, inner ellipses")
    func english() {
        let text = "Hello there!  Dr. Smith paid $3.14 for e.g. apples... or pears. Is it   true? Yes; it is.\nNew line"
        let one = TextSegmenter(maxCharacters: 40).segments(of: text)
        #expect(one == ["Hello there!", "Dr. Smith paid $3.14 for e.g. apples...", "or pears. Is it true? Yes; it is.", "New line"])
        let parts = TextSegmenter(maxCharacters: 30).segments(of: "Mr. Brown left. Mrs. Brown stayed. J. R. R. Tolkien wrote it.")
        #expect(parts == ["Mr. Brown left.", "Mrs. Brown stayed.", "J. R. R. Tolkien wrote it."])
        #expect(TextSegmenter(maxCharacters: 25).segments(of: "Wait... what happened? Pi is 3.14159.")
            == ["Wait... what happened?", "Pi is 3.14159."])
        #expect(TextSegmenter(maxCharacters: 12).segments(of: "He said “stop.” Then left.") == ["He said", "“stop.”", "Then left."])
        checkInvariants(one, limit: 40, source: text)
    }

    @Test("sentences pack greedily up to the limit")
    func packing() {
        let text = "One. Two. Three. Four."
        #expect(TextSegmenter(maxCharacters: 10).segments(of: text) == ["One. Two.", "Three.", "Four."])
        #expect(TextSegmenter(maxCharacters: 100).segments(of: text) == ["One. Two. Three. Four."])
        #expect(TextSegmenter().maxCharacters == TextSegmenter.defaultMaxCharacters)
    }

    @Test("German and French")
    func germanFrench() {
        let german = "Das ist z. B. ein Test. Wir zahlen 2.50 Euro, bzw. etwas mehr. Schön!"
        #expect(TextSegmenter(maxCharacters: 40).segments(of: german)
            == ["Das ist z. B. ein Test.", "Wir zahlen 2.50 Euro, bzw. etwas mehr.", "Schön!"])
        let french = "Bonjour, Mme. Dupont ! Comment allez-vous ? Très bien… merci."
        let segments = TextSegmenter(maxCharacters: 30).segments(of: french)
        #expect(segments == ["Bonjour, Mme. Dupont !", "Comment allez-vous ?", "Très bien… merci."])
        checkInvariants(segments, limit: 30, source: french)
    }

    @Test("Chinese and Japanese split without spaces")
    func cjk() {
        let chinese = "今天天气很好。我们去公园吧！你觉得怎么样？好的……走吧。"
        #expect(TextSegmenter(maxCharacters: 7).segments(of: chinese) == ["今天天气很好。", "我们去公园吧！", "你觉得怎么样？", "好的……走吧。"])
        #expect(TextSegmenter(maxCharacters: 6).segments(of: "好的……走吧。") == ["好的……", "走吧。"])
        #expect(TextSegmenter(maxCharacters: 15).segments(of: chinese) == ["今天天气很好。我们去公园吧！", "你觉得怎么样？好的……走吧。"])
        let japanese = "こんにちは。「元気ですか？」と聞いた。"
        #expect(TextSegmenter(maxCharacters: 10).segments(of: japanese) == ["こんにちは。", "「元気ですか？」", "と聞いた。"])
        // A long clause without sentence ends splits at the last CJK comma.
        let long = "我们今天去了很多地方，看了很多风景，吃了很多东西"
        let parts = TextSegmenter(maxCharacters: 12).segments(of: long)
        #expect(parts == ["我们今天去了很多地方，", "看了很多风景，", "吃了很多东西"])
        checkInvariants(parts, limit: 12, source: long)
    }

    @Test("mixed scripts, Bark tags and music notes stay attached")
    func mixedAndTags() {
        let text = "That is funny. [laughs] Anyway, 你好。 ♪ In the jungle. The mighty jungle ♪ Bye!"
        let segments = TextSegmenter(maxCharacters: 30).segments(of: text)
        #expect(segments == ["That is funny. [laughs]", "Anyway, 你好。", "♪ In the jungle. The mighty", "jungle ♪ Bye!"])
        #expect(TextSegmenter(maxCharacters: 15).segments(of: "[clears throat] Hello. [sighs]") == ["[clears throat]", "Hello. [sighs]"])
        checkInvariants(segments, limit: 30, source: text)
    }

    @Test("over-long sentences split at commas, then spaces, then hard")
    func longSentences() {
        let text = "This sentence is rather long, it has a comma in it and then goes on for quite a while without stopping"
        let segments = TextSegmenter(maxCharacters: 40).segments(of: text)
        #expect(segments.first == "This sentence is rather long,")
        checkInvariants(segments, limit: 40, source: text)
        let word = String(repeating: "a", count: 25)
        #expect(TextSegmenter(maxCharacters: 10).segments(of: word) == ["aaaaaaaaaa", "aaaaaaaaaa", "aaaaa"])
        let tagged = TextSegmenter(maxCharacters: 12).segments(of: "[clears throat] ok")
        checkInvariants(tagged, limit: 12, source: "[clears throat] ok")
        // Limits count scalars: an emoji flag is two scalars.
        let flags = TextSegmenter(maxCharacters: 3).segments(of: "🇩🇪🇫🇷")
        #expect(flags == ["🇩🇪", "🇫🇷"])
        #expect(TextSegmenter(maxCharacters: 0).maxCharacters == 1)
    }

    @Test("blank input gives no segments; whitespace is normalised")
    func whitespace() {
        #expect(TextSegmenter().segments(of: "").isEmpty)
        #expect(TextSegmenter().segments(of: "  \n\t \r\n ").isEmpty)
        #expect(TextSegmenter().segments(of: "  a \t b\u{00A0} c  ") == ["a b c"])
        #expect(TextSegmenter(maxCharacters: 5).segments(of: "one\n\ntwo") == ["one", "two"])
    }
}
