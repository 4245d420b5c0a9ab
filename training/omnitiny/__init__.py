"""OmniBark-tiny: a small model in Bark's exact topology, trained on speech that Debian's TTS engines
synthesize, exported in the Hugging Face Bark layout the Swift engine loads.

Modules: `sentences` (closed-vocabulary English grammar), `corpus` (manifest + synthesis), `audio`
(WAV I/O and augmentations), `image_augment` (crop, flip, colour jitter), `codec_train` (EnCodec-layout
codec), `mel_latent` and `melcodec_train` (the mel-latent codec), `units` (semantic units), `records`
(training file), `bark_data` (Bark's training sequences), `gpt_train` (the three GPTs), `export` (the model
directory) and `import_model` (back into training checkpoints), `evaluate` (word error rate and Fréchet
distance), `codec_wer` and `coarse_wer` (one stage's ceiling at a time), `units_wer` (the acoustic chain per
kind of steered speech), `coarse_ce` (coarse GPTs' held-out loss per kind)."""
