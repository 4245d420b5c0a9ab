/// Terms by the first letter of a form of them, so that a word is compared only with the terms
/// that can begin there.
struct TermIndex: Sendable {
    private var byLetter: [Unicode.Scalar: [Int]] = [:]

    /// Indexes `terms` by the first letter `form` gives (terms for which it gives nothing are left out).
    init(_ terms: [CompiledTerm], form: (CompiledTerm) -> [Unicode.Scalar]?) {
        for (index, term) in terms.enumerated() {
            if let first = form(term)?.first { byLetter[first, default: []].append(index) }
        }
    }

    /// The terms whose form begins with one of `letters`, each once, in index order.
    func terms(startingWith letters: Set<Unicode.Scalar>) -> [Int] {
        if letters.count == 1, let only = letters.first { return byLetter[only] ?? [] }
        return Set(letters.flatMap { byLetter[$0] ?? [] }).sorted()
    }
}
