"""Word error rate: text normalization and word-level Levenshtein distance.

    normalize("Did Emma see the tree?")  ->  "did emma see the tree"
    word_edits("the cat sat", "the cat sat down")  ->  1   (one insertion)

Normalization (applied to reference and hypothesis alike): Unicode NFKC, lower-case, dashes and
slashes become spaces, every other punctuation or symbol character is removed (so "don't" and
"dont" match), whitespace is collapsed. Numbers are not spelled out: "7" and "seven" differ."""

import unicodedata

# Punctuation that separates words rather than joining them.
_SEPARATORS = set("-‐‑‒–—―/\\_")


def normalize(text: str) -> str:
    """Lower-case `text` with punctuation removed and whitespace collapsed to single spaces."""
    out = []
    for ch in unicodedata.normalize("NFKC", text).lower():
        if ch in _SEPARATORS or ch.isspace():
            out.append(" ")
        elif unicodedata.category(ch)[0] in "PS":
            continue
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def levenshtein(reference: list, hypothesis: list) -> int:
    """Minimum number of substitutions, deletions and insertions turning `reference` into
    `hypothesis` (sequences of words)."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, 1):
        current = [i] + [0] * len(hypothesis)
        for j, hyp_word in enumerate(hypothesis, 1):
            current[j] = min(previous[j] + 1,                                 # deletion
                             current[j - 1] + 1,                              # insertion
                             previous[j - 1] + (ref_word != hyp_word))        # substitution / match
        previous = current
    return previous[-1]


def word_edits(reference: str, hypothesis: str) -> tuple:
    """(edits, reference word count) of two raw texts after `normalize`."""
    ref = normalize(reference).split()
    hyp = normalize(hypothesis).split()
    return levenshtein(ref, hyp), len(ref)


def corpus_wer(pairs) -> float:
    """Corpus word error rate of (edits, reference words) pairs: sum of edits / sum of words.
    None when there are no reference words."""
    edits = sum(e for e, _ in pairs)
    words = sum(n for _, n in pairs)
    return edits / words if words else None
