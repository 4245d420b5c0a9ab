/// The ways folded text is cut into words for matching. A term is looked for in each:
/// - natural: maximal runs of letters; any separator ends a word ("anti-war" is "anti", "war");
///   invisible characters join ("k\u{200B}ill" is "kill");
/// - glued: only whitespace ends a word; punctuation and symbols inside are dropped ("k.i.l.l",
///   "k-i-l-l", "nerve-agent" are "kill", "kill", "nerveagent");
/// - merged: the natural stream with each run of single-character words joined ("k i l l" is "kill");
/// - spelled runs: those runs alone, searched for a term's letters anywhere inside
///   ("i w i l l k i l l y o u" holds "iwillkillyou").
enum TokenStreams {
    /// The natural stream.
    static func natural(_ text: FoldedText) -> [Token] {
        split(text) { $0 != .none }
    }

    /// The glued stream.
    static func glued(_ text: FoldedText) -> [Token] {
        split(text) { $0 == .space || $0 == .lineBreak }
    }

    /// Runs of at least two single-character natural words with at most three separator
    /// characters and no line break between neighbours, as index ranges into `natural`.
    static func spelledRuns(_ natural: [Token], in text: FoldedText) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start: Int?
        for index in natural.indices {
            let single = natural[index].isSingleCharacter
            if let runStart = start {
                if single && closeEnough(natural[index - 1], natural[index], in: text) { continue }
                if index - runStart >= 2 { runs.append(runStart..<index) }
                start = single ? index : nil
            } else if single {
                start = index
            }
        }
        if let runStart = start, natural.count - runStart >= 2 { runs.append(runStart..<natural.count) }
        return runs
    }

    /// The merged stream: `natural` with each spelled run joined into one word.
    static func merged(_ natural: [Token], runs: [Range<Int>]) -> [Token] {
        guard !runs.isEmpty else { return natural }
        var result: [Token] = []
        var index = 0, next = 0
        while index < natural.count {
            if next < runs.count, runs[next].lowerBound == index {
                result.append(joined(natural[runs[next]]))
                index = runs[next].upperBound
                next += 1
            } else {
                result.append(natural[index])
                index += 1
            }
        }
        return result
    }

    /// The words of `tokens` as one.
    static func joined(_ tokens: ArraySlice<Token>) -> Token {
        Token(letters: tokens.flatMap(\.letters))
    }

    private static func closeEnough(_ a: Token, _ b: Token, in text: FoldedText) -> Bool {
        var visible = 0
        for unit in text.units[(a.lastUnit + 1)..<b.firstUnit] {
            switch unit.fold.separator {
            case .lineBreak: return false
            case .none: continue
            case .space, .punctuation: visible += 1
            }
        }
        return visible <= 3
    }

    /// Cuts `text` into words at the separators `ends` says end a word; other separators are skipped.
    private static func split(_ text: FoldedText, ends: (CharacterFold.Separator) -> Bool) -> [Token] {
        var tokens: [Token] = []
        var current: [Token.Letter] = []
        for (index, unit) in text.units.enumerated() {
            if !unit.fold.letters.isEmpty {
                current += unit.fold.letters.map { Token.Letter(letter: $0, unit: index) }
            } else if ends(unit.fold.separator), !current.isEmpty {
                tokens.append(Token(letters: current))
                current = []
            }
        }
        if !current.isEmpty { tokens.append(Token(letters: current)) }
        return tokens
    }
}
