"""A closed-vocabulary English sentence grammar.

OmniBark-tiny is trained on a CPU in about an hour, which is enough to learn the sounds of a few
hundred words but not English spelling in general. The grammar therefore draws every sentence from a
fixed word list; held-out evaluation sentences are new combinations of the same words, never seen
in training (`split` guarantees it). The word list is ours (public domain)."""

import random

ADJECTIVES = ["small", "big", "red", "green", "blue", "yellow", "old", "young", "happy", "quiet",
              "bright", "dark", "warm", "cold", "tall", "short", "fast", "slow", "soft", "loud",
              "black", "white", "brown", "clean", "heavy", "little", "gentle", "strong"]
NOUNS = ["dog", "cat", "bird", "house", "tree", "river", "car", "boat", "book", "table", "chair",
         "window", "garden", "city", "road", "child", "teacher", "doctor", "farmer", "horse",
         "apple", "bottle", "letter", "door", "train", "mountain", "lamp", "flower", "ship", "girl",
         "boy", "man", "woman", "friend", "kitchen", "school", "island", "forest", "song", "box"]
PLURALS = {n: n + "s" for n in NOUNS}
PLURALS.update({"box": "boxes", "child": "children", "man": "men", "woman": "women", "city": "cities"})
VERBS_PAST = ["saw", "found", "liked", "painted", "opened", "carried", "wanted", "moved", "washed",
              "visited", "followed", "helped", "watched", "called", "pushed", "closed", "bought", "built"]
VERBS_INTRANSITIVE = ["sleeps", "runs", "sings", "waits", "jumps", "smiles", "falls", "works",
                      "walks", "listens", "dances", "rests"]
PREPOSITIONS = ["near", "under", "behind", "over", "beside", "inside", "across", "around"]
NAMES = ["Anna", "Peter", "Maria", "John", "Lucy", "David", "Emma", "Tom", "Sarah", "Paul"]
NUMBERS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve"]
TIMES = ["today", "yesterday", "every morning", "at night", "in the evening", "after lunch",
         "before dinner", "this summer"]


def _np(rng, plural=False):
    noun = rng.choice(NOUNS)
    if plural:
        return f"{rng.choice(NUMBERS)} {rng.choice(ADJECTIVES)} {PLURALS[noun]}"
    if rng.random() < 0.6:
        return f"the {rng.choice(ADJECTIVES)} {noun}"
    return f"the {noun}"


def sentence(rng: random.Random) -> str:
    """One sentence with a capital letter and final punctuation, 4 to 14 words."""
    t = rng.randrange(8)
    if t == 0:
        s = f"{_np(rng)} {rng.choice(VERBS_INTRANSITIVE)} {rng.choice(PREPOSITIONS)} {_np(rng)}."
    elif t == 1:
        s = f"{rng.choice(NAMES)} {rng.choice(VERBS_PAST)} {_np(rng, rng.random() < 0.4)} {rng.choice(TIMES)}."
    elif t == 2:
        s = f"{_np(rng)} {rng.choice(VERBS_PAST)} {_np(rng)} {rng.choice(PREPOSITIONS)} {_np(rng)}."
    elif t == 3:
        s = f"did {rng.choice(NAMES)} see {_np(rng)} {rng.choice(TIMES)}?"
    elif t == 4:
        s = f"there are {_np(rng, True)} {rng.choice(PREPOSITIONS)} {_np(rng)}."
    elif t == 5:
        s = f"{rng.choice(NAMES)} and {rng.choice(NAMES)} {rng.choice(VERBS_PAST)} {_np(rng)}."
    elif t == 6:
        s = f"{_np(rng)} is {rng.choice(ADJECTIVES)} and {rng.choice(ADJECTIVES)}."
    else:
        s = f"{rng.choice(TIMES)}, {_np(rng)} {rng.choice(VERBS_INTRANSITIVE)}."
    return s[0].upper() + s[1:]


def split(n_train: int, n_heldout: int, seed: int = 1):
    """`n_train` training sentences and `n_heldout` evaluation sentences, disjoint as strings."""
    rng = random.Random(seed)
    heldout, seen = [], set()
    while len(heldout) < n_heldout:
        s = sentence(rng)
        if s not in seen:
            seen.add(s)
            heldout.append(s)
    train = []
    while len(train) < n_train:
        s = sentence(rng)
        if s not in seen:
            seen.add(s)
            train.append(s)
    return train, heldout


def words() -> list:
    """Every word the grammar can produce (for the trimmed tokenizer vocabulary)."""
    out = set()
    for group in (ADJECTIVES, NOUNS, list(PLURALS.values()), VERBS_PAST, VERBS_INTRANSITIVE,
                  PREPOSITIONS, NAMES, NUMBERS, TIMES, ["the", "did", "see", "there", "are", "and", "is"]):
        for item in group:
            out.update(item.split())
    return sorted(out)
