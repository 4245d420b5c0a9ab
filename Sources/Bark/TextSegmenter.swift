import Foundation

/// Splits long text into pieces that each fit one Bark generation, at sentence boundaries.
///
/// Bark turns one piece of text into at most ~14 s of audio (the semantic stage stops after 768
/// tokens at 49.9 Hz ≈ 15.4 s and usually ends earlier); text that needs longer is rushed or cut
/// off at the end. Its 256-token text window is not the binding limit for alphabetic scripts (the
/// multilingual WordPiece vocabulary averages ~4 characters per token). Suno's long-form notebook
/// therefore feeds Bark one sentence at a time. Read aloud, English, German and French run at about
/// 13–16 characters per second including spaces, so 14 s is ~200 characters; the default of 180
/// leaves room for pauses and tags such as `[laughs]` while still packing two short sentences
/// together. Chinese and Japanese speech carries ~4–7 characters per second, so CJK text wants a
/// smaller limit (`TextSegmenter.cjkMaxCharacters`, 70). Lengths count Unicode scalars.
///
/// Rules: whitespace runs collapse to one space and ends are trimmed; line breaks always end a
/// sentence; `.`, `!`, `?`, `…` and `;` end a sentence when followed by a space or the end (with
/// their closing quotes/brackets), except decimal numbers (`3.14`), common abbreviations (`Mr.`,
/// `Dr.`, `e.g.`, `z. B.`), single-letter initials, and `.`/`…` followed by a lower-case word
/// (an ellipsis or abbreviation inside a sentence); CJK `。！？；…` end a sentence without a
/// space. A `[tag]` right after a sentence end stays with that sentence, nothing is split inside
/// `[…]` or between a pair of `♪`. Sentences are packed greedily; a sentence over the limit is
/// split after the last `,` `;` `，` `、` (or at the last space) before the limit, and hard-split
/// only when it has neither. No segment is empty.
public struct TextSegmenter: Sendable, Equatable {
    /// Default limit for alphabetic scripts (see the type's discussion).
    public static let defaultMaxCharacters = 180
    /// Suggested limit for Chinese and Japanese text.
    public static let cjkMaxCharacters = 70

    /// Largest segment length in Unicode scalars (at least 1).
    public let maxCharacters: Int

    /// - Parameter maxCharacters: upper bound on each segment's Unicode scalar count; values
    ///   below 1 are treated as 1.
    public init(maxCharacters: Int = TextSegmenter.defaultMaxCharacters) {
        self.maxCharacters = max(1, maxCharacters)
    }

    /// The text in order as segments of at most `maxCharacters` scalars; `[]` for blank text.
    public func segments(of text: String) -> [String] {
        var segments: [String] = []
        var current: [Character] = []
        func flush() {
            if !current.isEmpty { segments.append(String(current)) }
            current = []
        }
        for sentence in sentences(of: text) {
            if Self.scalarCount(sentence) > maxCharacters {
                flush()
                var pieces = split(long: sentence)
                current = pieces.removeLast() // the tail may pack with what follows
                segments.append(contentsOf: pieces.map { String($0) })
                continue
            }
            if current.isEmpty { current = sentence; continue }
            let separator: [Character] = Self.joinsWithoutSpace(current.last, sentence.first) ? [] : [" "]
            if Self.scalarCount(current) + separator.count + Self.scalarCount(sentence) <= maxCharacters {
                current += separator + sentence
            } else {
                flush()
                current = sentence
            }
        }
        flush()
        return segments
    }

    /// Whitespace-normalised sentences, in order, none empty.
    func sentences(of text: String) -> [[Character]] {
        var result: [[Character]] = []
        for line in text.split(whereSeparator: { $0.isNewline }) {
            let words = line.split(whereSeparator: { $0.isWhitespace })
            guard !words.isEmpty else { continue }
            let chars = Array(words.joined(separator: " "))
            var start = 0
            var i = 0
            var bracketDepth = 0
            var insideNotes = false
            while i < chars.count {
                let c = chars[i]
                if c == "[" { bracketDepth += 1 } else if c == "]" { bracketDepth = max(0, bracketDepth - 1) }
                if c == "♪" { insideNotes.toggle() }
                guard bracketDepth == 0, !insideNotes, Self.isTerminator(c) else { i += 1; continue }
                var end = i + 1 // one past the terminator run and closing quotes
                while end < chars.count, Self.isTerminator(chars[end]) || Self.isCloser(chars[end]) { end += 1 }
                if isBoundary(chars, terminatorAt: i, runEnd: end) {
                    end = Self.absorbTrailingTags(chars, from: end)
                    Self.appendTrimmed(chars[start..<end], to: &result)
                    start = end
                }
                i = end
            }
            Self.appendTrimmed(chars[start..<chars.count], to: &result)
        }
        return result
    }

    /// Whether the terminator run `chars[i..<end]` ends a sentence.
    private func isBoundary(_ chars: [Character], terminatorAt i: Int, runEnd end: Int) -> Bool {
        let run = chars[i..<end].filter(Self.isTerminator)
        let previous = i > 0 ? chars[i - 1] : nil
        if run.allSatisfy({ Self.cjkTerminators.contains($0) }) || (run.first == "…" && previous.map(Self.isCJK) == true) {
            return true
        }
        guard end == chars.count || chars[end] == " " else { return false } // 3.14, e.g.x, "a.b"
        guard end < chars.count else { return true }
        let next = chars[(end + 1)...].first
        let isEllipsis = run.count > 1 && run.allSatisfy({ $0 == "." }) || run.contains("…")
        if run == ["."] || isEllipsis {
            // Lower-case continuation: an ellipsis or abbreviation inside the sentence.
            if let next, next.isLowercase { return false }
        }
        if run == ["."] {
            let word = Self.wordBefore(chars, index: i)
            if Self.abbreviations.contains(word.lowercased()) { return false }
            if word.count == 1, word.first?.isUppercase == true { return false } // initials: "J. R. R."
        }
        return true
    }

    /// Moves `end` past a following ` [tag]` (one or more) so reactions stay with their sentence.
    private static func absorbTrailingTags(_ chars: [Character], from end: Int) -> Int {
        var end = end
        while end + 1 < chars.count, chars[end] == " ", chars[end + 1] == "[",
              let close = chars[(end + 1)...].firstIndex(of: "]") {
            end = close + 1
        }
        return end
    }

    /// Splits an over-long sentence into pieces of at most `maxCharacters` scalars.
    private func split(long sentence: [Character]) -> [[Character]] {
        var pieces: [[Character]] = []
        var rest = sentence[...]
        while Self.scalarCount(rest) > maxCharacters {
            // Largest character prefix within the limit (at least one character, for progress).
            var fit = 0, scalars = 0
            for c in rest {
                let n = c.unicodeScalars.count
                if scalars + n > maxCharacters { break }
                scalars += n
                fit += 1
            }
            fit = max(fit, 1)
            let window = rest.prefix(fit + 1) // a space right at the limit still counts
            var depth = 0, lastPunctuation: Int?, lastSpace: Int?
            for (offset, c) in window.enumerated() {
                if c == "[" { depth += 1 } else if c == "]" { depth = max(0, depth - 1) }
                guard depth == 0 else { continue }
                if offset < fit, Self.clauseBreaks.contains(c), offset + 1 < rest.count { lastPunctuation = offset }
                if c == " ", offset > 0 { lastSpace = offset }
            }
            let cut: (take: Int, skip: Int)
            if let p = lastPunctuation, p + 1 >= fit / 3 || lastSpace == nil {
                cut = (p + 1, 0)
            } else if let s = lastSpace {
                cut = (s, 1)
            } else {
                cut = (fit, 0)
            }
            let head = rest.prefix(cut.take)
            Self.appendTrimmed(head, to: &pieces)
            rest = rest.dropFirst(cut.take + cut.skip)
            while rest.first == " " { rest = rest.dropFirst() }
        }
        Self.appendTrimmed(rest, to: &pieces)
        return pieces.isEmpty ? [sentence] : pieces
    }

    // MARK: - Character classes

    static let latinTerminators: Set<Character> = [".", "!", "?", "…", ";"]
    static let cjkTerminators: Set<Character> = ["。", "！", "？", "；", "｡"]
    static let closers: Set<Character> = ["\"", "'", "”", "’", "»", "«", ")", "]", "」", "』", "）", "》", "】"]
    static let clauseBreaks: Set<Character> = [",", ";", "，", "、", "；"]
    /// Lower-cased words that a single `.` follows without ending the sentence (`e.g` covers `e.g.`).
    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "cf", "approx", "no", "fig",
        "z.b", "z", "b", "bzw", "usw", "ca", "nr", "hr", "fr", "vgl", "dt", "mme", "mlle", "av", "env",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    ]

    static func isTerminator(_ c: Character) -> Bool { latinTerminators.contains(c) || cjkTerminators.contains(c) }
    static func isCloser(_ c: Character) -> Bool { closers.contains(c) }

    /// Han, kana, Hangul, CJK punctuation and full-width forms.
    static func isCJK(_ c: Character) -> Bool {
        guard let v = c.unicodeScalars.first?.value else { return false }
        return (0x3000...0x30FF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v)
            || (0xAC00...0xD7AF).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFF00...0xFFEF).contains(v)
    }

    /// CJK text (also after an ellipsis) is joined without a space; everything else with one.
    static func joinsWithoutSpace(_ left: Character?, _ right: Character?) -> Bool {
        guard let left, let right else { return false }
        return isCJK(right) && (isCJK(left) || left == "…")
    }

    /// The word (letters and inner dots) ending just before `index`, e.g. `e.g` or `Dr`.
    static func wordBefore(_ chars: [Character], index: Int) -> String {
        var start = index
        while start > 0, chars[start - 1].isLetter || (chars[start - 1] == "." && start - 1 > 0 && chars[start - 2].isLetter) {
            start -= 1
        }
        return String(chars[start..<index])
    }

    static func scalarCount<C: Collection>(_ chars: C) -> Int where C.Element == Character {
        chars.reduce(0) { $0 + $1.unicodeScalars.count }
    }

    static func appendTrimmed<C: Collection>(_ chars: C, to result: inout [[Character]]) where C.Element == Character {
        let trimmed = Array(chars.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
        if !trimmed.isEmpty { result.append(trimmed) }
    }
}
