import Foundation

/// Finds where a policy's terms and patterns occur in folded text, in every token stream.
struct GuardMatcher: Sendable {
    /// A raw hit: the term's or pattern's category and language, and the original characters it covers.
    struct Hit: Sendable, Hashable {
        var category: Int
        var language: String
        var firstUnit: Int
        var lastUnit: Int
    }

    /// A compiled pattern of a category.
    ///
    /// Thread safety: the NSRegularExpression is immutable once made and documented as safe to use
    /// from several threads at once; nothing else here is shared mutable state.
    struct Pattern: @unchecked Sendable {
        var category: Int
        var language: String
        var expression: NSRegularExpression
    }

    let terms: [CompiledTerm]
    let patterns: [Pattern]
    private let naturalIndex: TermIndex
    private let gluedIndex: TermIndex
    private let compactIndex: TermIndex

    init(policy: GuardPolicy, folder: TextFolder) throws {
        var terms: [CompiledTerm] = []
        var patterns: [Pattern] = []
        for (categoryIndex, category) in policy.categories.enumerated() {
            for language in category.terms.keys.sorted() {
                for (index, term) in (category.terms[language] ?? []).enumerated() {
                    guard let compiled = try CompiledTerm(term, category: categoryIndex, language: language, folder: folder) else {
                        throw GuardPolicyError.invalidField(file: policy.source, field: "categories[\(categoryIndex)].terms.\(language)[\(index)]",
                                                            reason: "has no letters or digits to match")
                    }
                    terms.append(compiled)
                }
            }
            for language in category.patterns.keys.sorted() {
                for (index, pattern) in (category.patterns[language] ?? []).enumerated() {
                    do {
                        patterns.append(Pattern(category: categoryIndex, language: language,
                                                expression: try NSRegularExpression(pattern: pattern, options: [.caseInsensitive])))
                    } catch {
                        throw GuardPolicyError.invalidField(file: policy.source, field: "categories[\(categoryIndex)].patterns.\(language)[\(index)]",
                                                            reason: "not a valid regular expression (ICU syntax)")
                    }
                }
            }
        }
        self.terms = terms
        self.patterns = patterns
        naturalIndex = TermIndex(terms) { $0.naturalWords.first }
        gluedIndex = TermIndex(terms) { $0.gluedWords.first }
        compactIndex = TermIndex(terms) { $0.compact }
    }

    /// Every hit in `text`, each once, in order of position.
    func hits(in text: FoldedText) -> [Hit] {
        var found: Set<Hit> = []
        let natural = TokenStreams.natural(text)
        let runs = TokenStreams.spelledRuns(natural, in: text)
        findWords(in: natural, index: naturalIndex, words: \.naturalWords, into: &found)
        findWords(in: TokenStreams.merged(natural, runs: runs), index: naturalIndex, words: \.naturalWords, into: &found)
        let glued = TokenStreams.glued(text)
        findWords(in: glued, index: gluedIndex, words: \.gluedWords, into: &found)
        findCompact(in: glued, into: &found)
        for run in runs { findSpelled(in: TokenStreams.joined(natural[run]), into: &found) }
        findPatterns(in: text, into: &found)
        return found.sorted { ($0.firstUnit, $0.lastUnit, $0.category) < ($1.firstUnit, $1.lastUnit, $1.category) }
    }

    /// Terms as sequences of whole words.
    private func findWords(in tokens: [Token], index: TermIndex, words: KeyPath<CompiledTerm, [[Unicode.Scalar]]>,
                           into found: inout Set<Hit>) {
        for start in tokens.indices {
            for termIndex in index.terms(startingWith: LetterPattern.possibleFirstLetters(tokens[start])) {
                let term = terms[termIndex]
                let termWords = term[keyPath: words]
                guard start + termWords.count <= tokens.count else { continue }
                var first: Int?, last = 0
                var matched = true
                for (offset, word) in termWords.enumerated() {
                    let token = tokens[start + offset]
                    let isLast = offset == termWords.count - 1
                    guard let range = LetterPattern.wholeWord(word, in: token, allowsLonger: isLast && term.isPrefix) else {
                        matched = false
                        break
                    }
                    if first == nil { first = token.letters[range.lowerBound].unit }
                    last = token.letters[range.upperBound - 1].unit
                }
                if matched, let first {
                    found.insert(Hit(category: term.category, language: term.language, firstUnit: first, lastUnit: last))
                }
            }
        }
    }

    /// Multi-word terms written as one glued word ("nerve-agent", "i.will.kill.you").
    private func findCompact(in tokens: [Token], into found: inout Set<Hit>) {
        for token in tokens {
            for termIndex in compactIndex.terms(startingWith: LetterPattern.possibleFirstLetters(token)) {
                let term = terms[termIndex]
                guard term.naturalWords.count > 1 || term.gluedWords.count > 1,
                      let range = LetterPattern.wholeWord(term.compact, in: token, allowsLonger: term.isPrefix) else { continue }
                found.insert(Hit(category: term.category, language: term.language,
                                 firstUnit: token.letters[range.lowerBound].unit, lastUnit: token.letters[range.upperBound - 1].unit))
            }
        }
    }

    /// Terms anywhere inside spelled-out letters.
    private func findSpelled(in run: Token, into found: inout Set<Hit>) {
        for start in run.letters.indices {
            for termIndex in compactIndex.terms(startingWith: Set(run.letters[start].letter.candidates)) {
                let term = terms[termIndex]
                guard let end = LetterPattern.ends(of: term.compact, in: run.letters, from: start).last else { continue }
                found.insert(Hit(category: term.category, language: term.language,
                                 firstUnit: run.letters[start].unit, lastUnit: run.letters[end - 1].unit))
            }
        }
    }

    private func findPatterns(in text: FoldedText, into found: inout Set<Hit>) {
        guard !patterns.isEmpty else { return }
        let (string, units) = text.patternText
        let whole = NSRange(location: 0, length: (string as NSString).length)
        for pattern in patterns {
            for match in pattern.expression.matches(in: string, range: whole) where match.range.length > 0 {
                let first = units[match.range.location], last = units[match.range.location + match.range.length - 1]
                found.insert(Hit(category: pattern.category, language: pattern.language, firstUnit: first, lastUnit: last))
            }
        }
    }
}
