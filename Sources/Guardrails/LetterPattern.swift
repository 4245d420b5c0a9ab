/// Matching a term's word against letter positions with repeated letters allowed: each letter of
/// the word matches one or more positions that may stand for it, so "kill" matches "kiiilll"
/// and "k1ll" but not "kil" (a doubled letter needs at least two), and "nigger" does not match
/// "Niger".
enum LetterPattern {
    /// The end offsets (exclusive) at which `word` matches `letters` starting exactly at `start`,
    /// in increasing order.
    static func ends(of word: [Unicode.Scalar], in letters: [Token.Letter], from start: Int) -> [Int] {
        let m = word.count, n = letters.count
        guard m > 0, start < n, letters[start].letter.matches(word[0]) else { return [] }
        var states = [Bool](repeating: false, count: m)
        states[0] = true
        var ends: [Int] = m == 1 ? [start + 1] : []
        var position = start + 1
        while position < n {
            var next = [Bool](repeating: false, count: m)
            var alive = false
            let letter = letters[position].letter
            for i in 0..<m where states[i] {
                if letter.matches(word[i]) { next[i] = true; alive = true }
                if i + 1 < m, letter.matches(word[i + 1]) { next[i + 1] = true; alive = true }
            }
            if !alive { break }
            states = next
            position += 1
            if states[m - 1] { ends.append(position) }
        }
        return ends
    }

    /// The letters of `token` that `word` covers as a whole word: the match may skip digit and
    /// symbol substitutes at either end ("kill!", "$kill"), and with `allowsLonger` the token may
    /// go on after it (a prefix term). Nil when it does not match.
    static func wholeWord(_ word: [Unicode.Scalar], in token: Token, allowsLonger: Bool) -> Range<Int>? {
        let letters = token.letters, n = letters.count
        let lead = letters.prefix { $0.letter.isSubstitute }.count
        let trail = letters.reversed().prefix { $0.letter.isSubstitute }.count
        for start in 0...min(lead, n - 1) {
            let found = ends(of: word, in: letters, from: start)
            if allowsLonger {
                if let end = found.last { return start..<end }
            } else if let end = found.last(where: { $0 >= n - trail }) {
                return start..<end
            }
        }
        return nil
    }

    /// The first letters a whole-word match in `token` may begin with (the skippable substitutes
    /// at its start and the letter after them).
    static func possibleFirstLetters(_ token: Token) -> Set<Unicode.Scalar> {
        let lead = token.letters.prefix { $0.letter.isSubstitute }.count
        var result: Set<Unicode.Scalar> = []
        for letter in token.letters.prefix(min(lead + 1, token.letters.count)) { result.formUnion(letter.letter.candidates) }
        return result
    }
}
