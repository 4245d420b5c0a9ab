"""OmniBark-tiny's sizes and token layout: Bark's layout with scaled constants (every constant is
written to `generation_config.json`, which the engine reads).

Semantic stage: units 0..255, EOS/pad 256, text ids offset by 272, text pad 272+V, infer 272+V+4.
Coarse stage: semantic units 0..255, codebook n's code c is 256 + 512·n + c, semantic pad 1280,
infer 1282. Fine stage: codes 0..511 per codebook, 512 is the pad."""

from .codec_model import CODEC_CONFIG

SEMANTIC_VOCAB = 256
SEMANTIC_EOS = SEMANTIC_VOCAB
TEXT_OFFSET = 272
CODEBOOK_SIZE = CODEC_CONFIG["codebook_size"]
N_COARSE = 2
N_FINE = 4
SEMANTIC_RATE_HZ = 49.9
COARSE_RATE_HZ = 75.0
RATIO = COARSE_RATE_HZ / SEMANTIC_RATE_HZ * N_COARSE

MAX_TEXT = 64  # max_input_semantic_length: text tokens and semantic history
SEMANTIC_MAX_NEW = 440
COARSE_INPUT = 128  # max_coarse_input_length
COARSE_HISTORY = 300  # max_coarse_history
COARSE_WINDOW = 60  # sliding_window_len
COARSE_SEMANTIC_PAD = SEMANTIC_VOCAB + N_COARSE * CODEBOOK_SIZE
COARSE_INFER = COARSE_SEMANTIC_PAD + 2
FINE_WINDOW = 256  # max_fine_input_length
FINE_HISTORY = 128  # max_fine_history_length
FINE_PAD = CODEBOOK_SIZE


def text_pad(vocab_size: int) -> int:
    return TEXT_OFFSET + vocab_size


def semantic_infer(vocab_size: int) -> int:
    return text_pad(vocab_size) + 4


def _round16(n: int) -> int:
    return (n + 15) // 16 * 16


def model_configs(text_vocab_size: int) -> dict:
    """transformers `BarkSemanticConfig` / `BarkCoarseConfig` / `BarkFineConfig` arguments."""
    semantic_in = _round16(semantic_infer(text_vocab_size) + 1)
    coarse_vocab = _round16(COARSE_INFER + 1)
    fine_vocab = _round16(CODEBOOK_SIZE + 1)
    return dict(
        semantic=dict(num_layers=4, num_heads=4, hidden_size=192, bias=False, dropout=0.0,
                      input_vocab_size=semantic_in, output_vocab_size=TEXT_OFFSET,
                      block_size=MAX_TEXT + 1 + SEMANTIC_MAX_NEW + 7),
        coarse=dict(num_layers=4, num_heads=4, hidden_size=192, bias=False, dropout=0.0,
                    input_vocab_size=coarse_vocab, output_vocab_size=coarse_vocab,
                    block_size=COARSE_INPUT + 1 + COARSE_HISTORY + COARSE_WINDOW + 23),
        fine=dict(num_layers=3, num_heads=4, hidden_size=192, bias=False, dropout=0.0,
                  input_vocab_size=fine_vocab, output_vocab_size=fine_vocab, block_size=FINE_WINDOW,
                  n_codes_total=N_FINE, n_codes_given=1, tie_word_embeddings=True),
    )


def generation_config(text_vocab_size: int) -> dict:
    """The nested `generation_config.json` (transformers' `BarkGenerationConfig` layout)."""
    return {
        "codebook_size": CODEBOOK_SIZE,
        "sample_rate": 24000,
        "semantic_config": {
            "text_encoding_offset": TEXT_OFFSET, "text_pad_token": text_pad(text_vocab_size),
            "semantic_infer_token": semantic_infer(text_vocab_size), "semantic_vocab_size": SEMANTIC_VOCAB,
            "eos_token_id": SEMANTIC_EOS, "semantic_pad_token": SEMANTIC_EOS,
            "max_input_semantic_length": MAX_TEXT, "semantic_rate_hz": SEMANTIC_RATE_HZ,
            "max_new_tokens": SEMANTIC_MAX_NEW, "min_eos_p": 0.2, "temperature": 1.0, "do_sample": False,
        },
        "coarse_acoustics_config": {
            "coarse_semantic_pad_token": COARSE_SEMANTIC_PAD, "coarse_infer_token": COARSE_INFER,
            "coarse_rate_hz": COARSE_RATE_HZ, "n_coarse_codebooks": N_COARSE,
            "max_coarse_input_length": COARSE_INPUT, "max_coarse_history": COARSE_HISTORY,
            "sliding_window_len": COARSE_WINDOW, "temperature": 1.0, "do_sample": False,
        },
        "fine_acoustics_config": {
            "max_fine_history_length": FINE_HISTORY, "max_fine_input_length": FINE_WINDOW,
            "n_fine_codebooks": N_FINE, "temperature": 1.0,
        },
    }
