"""Training examples in exactly the form the engine builds at inference (see the Swift
`SemanticStream.prefill`, `CoarseStream.runWindow` / `CoarseGeneration.history` and the fine
windows), so that what the GPTs learn is what they are asked.

Each utterance record: `text_ids` (tokenizer ids), `units` (semantic units), `codes` [4, frames]
(codec codes), `voice` (for same-voice history prompts)."""

import math
import random

import numpy as np
import torch

from . import layout as L


def coarse_length(n_units: int) -> int:
    """Coarse tokens for `n_units` semantic units, in float32 as torch computes it."""
    per_book = math.floor(np.float32(n_units) * np.float32(L.RATIO) / np.float32(L.N_COARSE))
    return int(round(per_book * L.N_COARSE))


def interleave(codes: np.ndarray) -> list:
    """Offset coarse tokens of the first two codebooks, alternating 0, 1, 0, 1, …"""
    out = []
    for t in range(codes.shape[1]):
        for n in range(L.N_COARSE):
            out.append(int(codes[n, t]) + L.SEMANTIC_VOCAB + n * L.CODEBOOK_SIZE)
    return out


def aligned_codes(record) -> np.ndarray:
    """The utterance's codes cut or edge-padded to the frames the coarse stage generates."""
    frames = coarse_length(len(record["units"])) // L.N_COARSE
    codes = record["codes"]
    if codes.shape[1] >= frames:
        return codes[:, :frames]
    return np.pad(codes, ((0, 0), (0, frames - codes.shape[1])), mode="edge")


def coarse_history(prompt) -> tuple:
    """(semantic, coarse) history from another utterance, as `CoarseGeneration.history`."""
    coarse = interleave(aligned_codes(prompt))
    units = prompt["units"]
    max_sem = math.floor(L.COARSE_HISTORY / L.RATIO)
    n_sem = min(max_sem, len(units) - len(units) % 2, math.floor(len(coarse) / L.RATIO))
    n_coarse = int(round(n_sem * L.RATIO))
    sem = units[len(units) - n_sem:] if n_sem > 0 else []
    trimmed = coarse[len(coarse) - n_coarse:] if n_coarse > 0 else []
    return list(sem), list(trimmed[:-2]) if len(trimmed) >= 2 else []


class ExampleMaker:
    def __init__(self, records, text_vocab_size, seed, history_probability=0.3, input_noise=0.0):
        """`input_noise`: the fraction of the utterance's own generated-side input tokens (semantic
        units; coarse codes) replaced by a random token of the same kind, targets unchanged. Teacher
        forcing alone lets a GPT lean on its previous token (codec frames change slowly) and drift
        once its own guesses are fed back; noisy inputs make it read the conditioning instead."""
        self.records = records
        self.rng = random.Random(seed)
        self.input_noise = input_noise
        self.text_vocab_size = text_vocab_size
        self.history_probability = history_probability
        self.by_voice = {}
        for r in records:
            self.by_voice.setdefault(r["voice"], []).append(r)

    def _prompt(self, record):
        if record["voice"] is None or self.rng.random() >= self.history_probability:
            return None
        pool = self.by_voice[record["voice"]]
        return self.rng.choice(pool)

    # --- semantic ---------------------------------------------------------------------------
    def semantic(self, record):
        """(merged prefix ids: text [64], history [64]; then sequence ids after the infer token;
        targets for the infer position onward)."""
        text = [t + L.TEXT_OFFSET for t in record["text_ids"][: L.MAX_TEXT]]
        text += [L.text_pad(self.text_vocab_size)] * (L.MAX_TEXT - len(text))
        prompt = self._prompt(record)
        history = list(prompt["units"][-L.MAX_TEXT:]) if prompt else []
        history += [L.SEMANTIC_EOS] * (L.MAX_TEXT - len(history))
        units = list(record["units"][: L.SEMANTIC_MAX_NEW - 1])
        return text, history, self._noisy(units, lambda u: 0, L.SEMANTIC_VOCAB), units + [L.SEMANTIC_EOS]

    def _noisy(self, tokens, base_of, span):
        """`tokens` with a fraction `input_noise` replaced by a random token in [base_of(t), +span)."""
        if self.input_noise <= 0:
            return tokens
        out = list(tokens)
        for i, t in enumerate(out):
            if self.rng.random() < self.input_noise:
                out[i] = base_of(t) + self.rng.randrange(span)
        return out

    # --- coarse -----------------------------------------------------------------------------
    def coarse(self, record):
        """One window: (input ids, targets with -100 where no loss)."""
        tokens = interleave(aligned_codes(record))
        units = list(record["units"]) + [L.SEMANTIC_EOS]
        prompt = self._prompt(record)
        hist_sem, hist_coarse = coarse_history(prompt) if prompt else ([], [])
        n_windows = max(1, math.ceil(len(tokens) / L.COARSE_WINDOW))
        w = self.rng.randrange(n_windows)
        done = w * L.COARSE_WINDOW
        sem_all = hist_sem + [L.COARSE_SEMANTIC_PAD if u == L.SEMANTIC_EOS else u for u in units]
        max_sem = math.floor(L.COARSE_HISTORY / L.RATIO)
        start = max(0, len(hist_sem) + int(round(done / L.RATIO)) - max_sem)
        context = sem_all[start:start + L.COARSE_INPUT]
        context += [L.COARSE_SEMANTIC_PAD] * (L.COARSE_INPUT - len(context))
        past = (hist_coarse + tokens[:done])[-L.COARSE_HISTORY:] if L.COARSE_HISTORY > 0 else []
        new = tokens[done:done + L.COARSE_WINDOW]
        ids = context + [L.COARSE_INFER] + past + new
        # Targets: the token after each position; loss on every coarse token of this utterance
        # (past ones too, which have their semantic context in view) but not on the prompt's.
        targets = [-100] * len(ids)
        first_own = len(context) + 1 + max(0, len(past) - done)
        for i in range(first_own - 1, len(ids) - 1):
            targets[i] = ids[i + 1]
        book_base = lambda t: L.SEMANTIC_VOCAB + (t - L.SEMANTIC_VOCAB) // L.CODEBOOK_SIZE * L.CODEBOOK_SIZE
        ids = ids[:first_own] + self._noisy(ids[first_own:], book_base, L.CODEBOOK_SIZE)
        return ids[:-1], targets[:-1]

    # --- fine -------------------------------------------------------------------------------
    def fine(self, record):
        """(codes [T=256, 4] with pads, codebook index to predict, loss mask [T])."""
        codes = aligned_codes(record).T  # [frames, 4]
        frames = codes.shape[0]
        if frames > L.FINE_WINDOW:
            start = self.rng.randrange(frames - L.FINE_WINDOW + 1)
            codes = codes[start:start + L.FINE_WINDOW]
        window = np.full((L.FINE_WINDOW, L.N_FINE), L.FINE_PAD, dtype=np.int64)
        window[: codes.shape[0]] = codes
        valid = np.zeros(L.FINE_WINDOW, dtype=bool)
        valid[: codes.shape[0]] = True
        book = self.rng.randrange(L.N_COARSE, L.N_FINE)
        history = L.FINE_HISTORY if (frames > L.FINE_WINDOW and self.rng.random() < 0.5) else 0
        target = window[:, book].copy()
        window[history:, book:] = L.FINE_PAD  # not yet predicted in this window
        mask = valid.copy()
        mask[:history] = False
        return window, book, target, mask


def pad_batch(sequences, value):
    length = max(len(s) for s in sequences)
    return torch.tensor([list(s) + [value] * (length - len(s)) for s in sequences], dtype=torch.long)
