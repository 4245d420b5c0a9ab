"""The trimmed WordPiece vocabulary of OmniBark-tiny (Bark uses BERT's 119,547-entry multilingual
vocabulary; a model that knows a few hundred words needs a few hundred entries).

Lines: BERT's five special tokens first, then punctuation, the grammar's words, Foley tags, and
single letters with their `##` continuations so that any ASCII word still tokenizes (letter by
letter). Tokenization is transformers' `BertTokenizer` (lower-casing, accents stripped), which the
engine's tokenizer matches token for token."""

import string

from . import corpus, sentences

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def entries() -> list:
    words = sentences.words() + sorted(corpus.FOLEY)
    letters = list(string.ascii_lowercase) + [str(d) for d in range(10)]
    out = SPECIAL + list(".,?!'-[]♪") + [w.lower() for w in words]
    out += letters + ["##" + c for c in letters]
    seen, unique = set(), []
    for e in out:
        if e not in seen:
            seen.add(e)
            unique.append(e)
    return unique


def write(path: str) -> None:
    with open(path, "w") as fh:
        fh.write("\n".join(entries()) + "\n")


def tokenizer(vocab_path: str):
    from transformers import BertTokenizer
    return BertTokenizer(vocab_path, do_lower_case=True, strip_accents=None, tokenize_chinese_chars=True)


def encode(tok, text: str) -> list:
    """Token ids without [CLS]/[SEP], as Bark's processor calls the tokenizer."""
    return tok(text, add_special_tokens=False)["input_ids"]
