#!/usr/bin/env python3
"""Builds the tokenizer parity fixtures for OmniBark's Swift `BarkTokenizer`.

Run from the repository root with the reference environment:

    /work/venv-ref/bin/python scripts/make_tokenizer_fixtures.py

It writes (deterministically):

- Tests/Fixtures/tokenizer/vocab.txt              a small BERT vocabulary (a few hundred lines)
- Tests/Fixtures/tokenizer/tokenizer_config.json  a config like suno/bark's (do_lower_case false)
- Tests/Fixtures/tokenizer/cases.json             hard sentences with tokens/ids/decode from
                                                  transformers' BertTokenizer, for
                                                  do_lower_case False (Bark) and True
- Tests/Fixtures/tokenizer/codepoints.json        the character class of every code point as the
                                                  reference normalizer / pre-tokenizer sees it
- Tests/Fixtures/tokenizer/VERSIONS.txt           python / transformers / tokenizers versions
- Sources/Bark/Tokenizer/BertCharacterTables.swift  the punctuation, control and non-spacing-mark
                                                  tables of the reference (tokenizers' Rust crate
                                                  ships older Unicode tables than Swift's stdlib)

In transformers >= 5, `BertTokenizer` is backed by the Rust `tokenizers` library (BertNormalizer +
BertPreTokenizer + WordPiece); that is the behaviour recorded here.
"""

import json
import os
import platform
import sys
import tempfile
import unicodedata

import tokenizers
import transformers
from tokenizers import normalizers
from transformers import BertTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tokenizer")
SWIFT_TABLES = os.path.join(ROOT, "Sources", "Bark", "Tokenizer", "BertCharacterTables.swift")

def NFD(text):
    return unicodedata.normalize("NFD", text)

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

WORDS = [
    # English and Bark prompt vocabulary
    "hello", "Hello", "world", "World", "the", "The", "a", "I", "is", "it", "this", "and", "of",
    "la", "laugh", "##ter", "##s", "##ing", "##ed", "clear", "throat", "music", "sigh", "gasp",
    "man", "woman", "MAN", "WOMAN", "sing", "un", "##believ", "##able", "token", "##izer",
    "aaaaaaaaaa", "##aaaaaaaaaa", "b", "##b", "x", "##x", "don", "t", "##t", "s",
    # punctuation and symbols
    ".", ",", "!", "?", "'", '"', "-", "(", ")", "[", "]", ":", ";", "&", "/", "$", "%", "#", "@",
    "—", "–", "…", "«", "»", "¿", "¡", "♪", "~", "^", "`", "_", "{", "}", "|", "\\", "*", "+",
    "<", "=", ">", "、", "。", "「", "」", "・",
    # numbers
    "0", "1", "3", "14", "000", "2024", "##4", "##0", "42", "##2",
    # German
    "Straße", "straße", "Stra", "##ße", "über", "Über", "uber", "Uber", "schön", "schon", "Grüße",
    "gruße", "Mädchen", "madchen", "ß", "##ü",
    # French (NFC words, NFD pieces)
    "café", "cafe", "été", "ete", "élève", "eleve", "naïve", "naive", "à", "Ça", "ca", "va",
    "e", "##e", NFD("##é"), NFD("##è"), "##\u0301", "##\u0300", "caf", "##é",
    # Greek (final sigma)
    "ΟΔΟΣ", "οδος", "οδοσ", "Σ", "σ", "ς",
    # Turkish
    "İstanbul", "istanbul", "Istanbul", "i̇stanbul",
    # Chinese (CJK ideographs are split per character)
    "你", "好", "世", "界", "中", "文", "我", "是", "日", "本", "語", "人", "𠀀", "𫠠", "𫝀",
    # Japanese kana (not split per character)
    "こんにちは", "こん", "##にち", "##は", "です", "カタカナ", "カ", "##タ", "##カ", "##ナ",
    # Korean
    "안녕", "##하세요", "안녕하세요", "세계", "한국어",
    # Cyrillic
    "Привет", "привет", "При", "##вет", "мир", "Мир", "##ир",
    # Arabic
    "مرحبا", "بالعالم", "ال", "##عالم", "ب", "##ال",
    # emoji (ZWJ U+200D is a format character: removed by the normalizer)
    "😀", "👍", "##🏽", "👨", "##👩", "##👧", "❤", "##\ufe0f", "🫠", "🇩", "##🇪",
]

SENTENCES = [
    "",
    "   ",
    "Hello world!",
    "Hello, my name is Suno. And, uh — and I like pizza. [laughs]",
    "[laughter] hello [clears throat] the world [sighs]",
    "♪ la la la ♪",
    "[MUSIC] ♪ In the jungle, the mighty jungle ♪",
    "WOMAN: hello... MAN: hello…",
    "unbelievable tokenizer untokenizerx",
    "3.14 and 1,000 and 2024-01-01 and $42% #1 @the",
    "Straße über schön Grüße Mädchen",
    "STRASSE ÜBER straße",
    "café été élève naïve à Ça va",
    NFD("café été élève naïve à Ça va"),
    "ΟΔΟΣ οδος Σ",
    "İstanbul Istanbul istanbul",
    "你好，世界！我是中文。",
    "日本語のテキストです。こんにちは、カタカナ",
    "안녕하세요 세계 한국어",
    "Привет, мир! ПРИВЕТ",
    "مرحبا بالعالم",
    "😀👍🏽 ❤️ 🫠",
    "👨\u200d👩\u200d👧 family 🇩🇪",
    "tab\there\nnewline\r\nwindows\u00a0nbsp\u2003emspace\u3000ideo\u2028ls\u2029ps\u0085nel",
    "zero\u200bwidth\u200cjoiner\u200dsoft\u00adhyphen\ufeffbom\u2060wj",
    "control\u0000nul\u0001soh\u0007bel\u000bvt\u000cff\u001bescape\u007fdel\u0080c1",
    "replacement\ufffdchar and private\ue000use and unassigned\u0378cp and \U0010fffd",
    "a" * 100,
    "a" * 101,
    "a" * 99 + "b",
    "é" * 50 + " " + NFD("é") * 50 + " " + NFD("é") * 51,
    "xxx hellox hello laughing worlds the##x",
    "[CLS] hello [SEP] world [MASK] [UNK] [PAD]",
    "x[SEP]y [cls] [Mask]",
    "«quotes» ¿qué? ¡sí! (parens) {braces} <tags>",
    "snake_case and back`tick and tilde~ and caret^ and pipe| and back\\slash",
    "CJK extension: 𠀀 𫝀 𫠠 x𫠠x 𫝀x",
    "new punctuation ⹂⹏ and format \u0890\u08e2 marks e\u0301\u1ac0",
    "   leading and trailing   ",
    "Σ σ ς ΣΑΣ",
    "don't it's I'm",
]


def build_vocab():
    seen = set()
    lines = []
    for token in SPECIALS + WORDS:
        if token not in seen:
            seen.add(token)
            lines.append(token)
    # fill with single ASCII letters and digits (whole and continuation) so partial matches exist
    for ch in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789":
        for token in (ch, "##" + ch):
            if token not in seen:
                seen.add(token)
                lines.append(token)
    return lines


# vocab.txt lines with trailing blanks, CRLF, empty lines, duplicates and an ideographic space
QUIRK_LINES = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "##lo", "hel", "hello  ", "ab\r", "", "",
               "ab", "x", "\u3000", "caf\u00e9", "cafe\u0301", "y\t"]


def vocab_quirks(config):
    """How the reference reads an awkward vocab.txt: token → id, vocab size, decode of every id."""
    with tempfile.TemporaryDirectory() as tmp:
        write(os.path.join(tmp, "vocab.txt"), "".join(t + "\n" for t in QUIRK_LINES))
        write(os.path.join(tmp, "tokenizer_config.json"), json.dumps(config))
        tok = BertTokenizer.from_pretrained(tmp)
    ids = list(range(len(QUIRK_LINES) + 2))
    return {
        "lines": QUIRK_LINES,
        "vocab": tok.get_vocab(),
        "vocab_size": tok.vocab_size,
        "decode_each": [tok.decode([i]) for i in ids],
        "decode_all": tok.decode(ids),
        "texts": {t: tok(t, add_special_tokens=False)["input_ids"]
                  for t in ["hello x ab", "caf\u00e9 cafe\u0301", "y"]},
    }


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def classify_codepoints(tok):
    """Run-length list [[first, class], ...] over all code points, as the reference sees them.

    Classes: R removed by clean_text, W whitespace (becomes a space), C CJK ideograph (padded with
    spaces), P punctuation (split into its own token), M non-spacing mark (removed by accent
    stripping; only for code points that are their own NFD), O other, S surrogate (not a scalar).
    """
    norm = tok._tokenizer.normalizer
    pre = tok._tokenizer.pre_tokenizer
    strip = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False,
                                       strip_accents=True, lowercase=False)
    runs = []
    previous = None
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            kind = "S"
        else:
            c = chr(cp)
            s = norm.normalize_str("a" + c + "b")
            if s == "ab":
                kind = "R"
            elif s == "a b":
                kind = "W"
            elif s == "a " + c + " b":
                kind = "C"
            elif s != "a" + c + "b":
                raise SystemExit(f"unexpected normalization of U+{cp:04X}: {s!r}")
            else:
                words = [w for w, _ in pre.pre_tokenize_str(s)]
                if words == ["a", c, "b"]:
                    kind = "P"
                elif words != ["a" + c + "b"]:
                    raise SystemExit(f"unexpected pre-tokenization of U+{cp:04X}: {words!r}")
                elif NFD(c) == c and strip.normalize_str("a" + c) == "a":
                    kind = "M"
                else:
                    kind = "O"
        if kind != previous:
            runs.append([cp, kind])
            previous = kind
    return runs


def ranges_of(runs, kind):
    out = []
    for i, (start, k) in enumerate(runs):
        if k == kind:
            end = runs[i + 1][0] - 1 if i + 1 < len(runs) else 0x10FFFF
            out.append((start, end))
    return out


def swift_ranges(name, doc, ranges):
    lines = [f"    /// {doc}", f"    static let {name}: [ClosedRange<UInt32>] = ["]
    row = []
    for a, b in ranges:
        row.append(f"0x{a:04X}...0x{b:04X}")
        if len(row) == 4:
            lines.append("        " + ", ".join(row) + ",")
            row = []
    if row:
        lines.append("        " + ", ".join(row) + ",")
    lines.append("    ]")
    return "\n".join(lines)


def write_swift_tables(runs):
    # ASCII punctuation is matched by rule; only non-ASCII ranges go into the table.
    punctuation = [(a, b) for a, b in ranges_of(runs, "P") if a > 0x7F]
    body = "\n\n".join([
        swift_ranges("removed", "Removed by `clean_text`: control (Cc) except tab/LF/CR, format (Cf, tokenizers' "
                     "table), private use (Co), plus U+FFFD.", ranges_of(runs, "R")),
        swift_ranges("whitespace", "Mapped to a space by `clean_text` (Rust `char::is_whitespace`, minus the "
                     "controls removed first).", ranges_of(runs, "W")),
        swift_ranges("nonASCIIPunctuation", "Non-ASCII punctuation (P* categories in tokenizers' table) that "
                     "the pre-tokenizer isolates.", punctuation),
        swift_ranges("nonspacingMarks", "Non-spacing marks (Mn in tokenizers' table) dropped by accent "
                     "stripping.", ranges_of(runs, "M")),
    ])
    text = f"""// GENERATED by scripts/make_tokenizer_fixtures.py from tokenizers {tokenizers.__version__}; do not edit.
//
// The character classes of Hugging Face `tokenizers`' BertNormalizer and BertPreTokenizer. That crate
// uses its own (older) Unicode category tables, so Swift's `Unicode.Scalar.Properties` would disagree
// on characters assigned in recent Unicode versions; these tables reproduce the reference exactly.
// Every range here is checked against Tests/Fixtures/tokenizer/codepoints.json by TokenizerTests.

/// Code point ranges used by ``BertBasicTokenizer``, as the reference tokenizer sees them.
enum BertCharacterTables {{
{body}

    /// Whether `value` lies in one of the sorted, non-overlapping `ranges` (binary search).
    static func contains(_ ranges: [ClosedRange<UInt32>], _ value: UInt32) -> Bool {{
        var low = 0
        var high = ranges.count - 1
        while low <= high {{
            let mid = (low + high) / 2
            if value < ranges[mid].lowerBound {{
                high = mid - 1
            }} else if value > ranges[mid].upperBound {{
                low = mid + 1
            }} else {{
                return true
            }}
        }}
        return false
    }}
}}
"""
    write(SWIFT_TABLES, text)


def main():
    os.makedirs(OUT, exist_ok=True)
    vocab = build_vocab()
    write(os.path.join(OUT, "vocab.txt"), "".join(t + "\n" for t in vocab))
    config = {
        "cls_token": "[CLS]",
        "do_basic_tokenize": True,
        "do_lower_case": False,
        "mask_token": "[MASK]",
        "model_max_length": 512,
        "never_split": None,
        "pad_token": "[PAD]",
        "sep_token": "[SEP]",
        "strip_accents": None,
        "tokenize_chinese_chars": True,
        "tokenizer_class": "BertTokenizer",
        "unk_token": "[UNK]",
    }
    write(os.path.join(OUT, "tokenizer_config.json"), json.dumps(config, indent=2, sort_keys=True) + "\n")

    results = {}
    for lower in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            write(os.path.join(tmp, "vocab.txt"), "".join(t + "\n" for t in vocab))
            write(os.path.join(tmp, "tokenizer_config.json"),
                  json.dumps(dict(config, do_lower_case=lower)))
            tok = BertTokenizer.from_pretrained(tmp)
        assert type(tok).__name__ == "BertTokenizer" and tok.do_lower_case == lower
        if not lower:
            runs = classify_codepoints(tok)
        results[lower] = [
            {
                "tokens": tok.tokenize(text),
                "ids": tok(text, add_special_tokens=False)["input_ids"],
                "decoded": tok.decode(tok(text, add_special_tokens=False)["input_ids"]),
            }
            for text in SENTENCES
        ]
        for r in results[lower]:
            assert r["ids"] == tok.convert_tokens_to_ids(r["tokens"]), r

    quirks = vocab_quirks(config)

    cases = []
    for i, text in enumerate(SENTENCES):
        cases.append({"text": text, "cased": results[False][i], "lowercased": results[True][i]})
    write(os.path.join(OUT, "cases.json"), json.dumps({"vocab_size": len(vocab), "vocab_quirks": quirks,
                                                       "cases": cases},
                                                      ensure_ascii=True, indent=1, sort_keys=True) + "\n")
    write(os.path.join(OUT, "codepoints.json"), json.dumps(runs, separators=(",", ":")) + "\n")
    write(os.path.join(OUT, "VERSIONS.txt"),
          f"python {platform.python_version()}\ntransformers {transformers.__version__}\n"
          f"tokenizers {tokenizers.__version__}\nunicodedata {unicodedata.unidata_version}\n"
          f"BertTokenizer backend: {type(tok).__mro__[1].__name__}\n")
    write_swift_tables(runs)
    print(f"wrote {len(vocab)} vocab lines, {len(cases)} cases, {len(runs)} code point runs", file=sys.stderr)


if __name__ == "__main__":
    main()
