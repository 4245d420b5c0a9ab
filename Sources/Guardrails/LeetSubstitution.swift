/// Digit and symbol substitutions ("l33t"): the letters a digit or symbol may stand for. "k1ll"
/// reads as "kill", "$h1t" as "shit", "4ss" as "ass". The first letter is the primary reading
/// (used when the character appears inside a policy term).
enum LeetSubstitution {
    static let table: [Unicode.Scalar: [Unicode.Scalar]] = [
        "0": ["o"], "1": ["i", "l"], "2": ["z"], "3": ["e"], "4": ["a"], "5": ["s"], "6": ["g"], "7": ["t"],
        "8": ["b"], "9": ["g"], "@": ["a"], "$": ["s"], "!": ["i"], "¡": ["i"], "|": ["l", "i"], "+": ["t"],
        "€": ["e"],
    ]

    /// The letters `scalar` may stand for, or nil when it is not a substitute.
    static func letters(for scalar: Unicode.Scalar) -> [Unicode.Scalar]? { table[scalar] }
}
