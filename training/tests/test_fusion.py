"""`fusion`: the batched training module computes what the engine does per example (padding changes
nothing, an example without memory is untouched, the attention sink), and the steering helpers.
Run from training/: python -m unittest discover tests"""

import math
import random
import unittest

import numpy as np
import torch

from omnitiny import adapter_eval, fusion, steer_corpus
from omnitiny.audio import SAMPLE_RATE


def config(sink, route_bias=False, relative_route=False, ffn=False):
    return fusion.default_config(16, 2, [0, 1], 8, 12, sink=sink, route_bias=route_bias, relative_route=relative_route,
                                 ffn=ffn)


class FusionTests(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)

    def randomised(self, sink, route_bias=False, relative_route=False, ffn=False):
        adapters = fusion.OmniAdapters(config(sink, route_bias, relative_route, ffn))
        with torch.no_grad():
            for p in adapters.parameters():
                p.normal_(std=0.3)
        return adapters

    def test_batched_memory_equals_one_example_at_a_time(self):
        for sink, route_bias, relative, ffn in ((False, False, False, False), (True, False, False, False),
                                                (True, True, False, False), (True, True, True, False), (True, True, True, True)):
            adapters = self.randomised(sink, route_bias, relative, ffn)
            examples = [{"text": torch.randn(3, 16), "audio": adapters.audio_tokens(torch.randn(10, 8))},
                        {"control": adapters.control_tokens([{"kind": "beat", "time": 0.5}])}]
            weights = [[1, 3, 1, 1], [1, 1, 1, 1]]
            x = torch.randn(2, 5, 16)
            batch = adapters.memory(examples, weights)
            together = adapters.fusion.layers["0"](x, *batch[:3])
            for i in range(2):
                alone = adapters.memory([examples[i]], [weights[i]])
                self.assertTrue(torch.allclose(adapters.fusion.layers["0"](x[i:i + 1], *alone[:3]), together[i:i + 1], atol=1e-5))

    def test_no_memory_leaves_the_hidden_states_alone(self):
        adapters = self.randomised(True)
        memory = adapters.memory([{}], [[1, 1, 1, 1]])
        x = torch.randn(1, 4, 16)
        self.assertTrue(torch.equal(adapters.fusion.layers["1"](x, *memory[:3]), x))

    def test_sink_lets_one_row_weigh_differently_by_position(self):
        adapters = self.randomised(True)
        plain = self.randomised(False)
        plain.load_state_dict({k: v for k, v in adapters.state_dict().items() if "null_" not in k})
        memory = adapters.memory([{"control": adapters.control_tokens([{"kind": "beat", "time": 0.2}])}], [[1, 1, 1, 1]])
        x = torch.randn(1, 2, 16)
        change = (adapters.fusion.layers["0"](x, *memory[:3]) - x)[0]
        change_plain = (plain.fusion.layers["0"](x, *memory[:3]) - x)[0]
        self.assertTrue(torch.allclose(change_plain[0], change_plain[1], atol=1e-6))  # softmax over one row: 1
        self.assertFalse(torch.allclose(change[0], change[1], atol=1e-3))
        self.assertEqual(config(True)["format_version"], 2)
        self.assertIn("fusion.layers.0.null_key", adapters.state_for_export())

    def test_route_sharpness_gives_the_heavier_modality_the_attention(self):
        adapters = self.randomised(True, route_bias=True)
        self.assertEqual(config(True, True)["format_version"], 3)
        self.assertIn("fusion.layers.0.route_sharpness", adapters.state_for_export())
        text, audio = torch.randn(3, 16), adapters.audio_tokens(torch.randn(10, 8))
        x = torch.randn(1, 4, 16)
        layer = adapters.fusion.layers["0"]
        with torch.no_grad():  # routes from the weights alone (text 0.25, audio 0.75), whatever the content
            for p in adapters.routing.mlp.parameters():
                p.zero_()

        def change(weights, sharpness, tokens=None):
            with torch.no_grad():
                layer.route_sharpness.fill_(sharpness)
            memory = adapters.memory([tokens or {"text": text, "audio": audio}], [weights])
            return layer(x, *memory[:3]) - x
        # Sharpness 0 is format 2 exactly; the ratio is 0 for the heaviest modality's rows.
        format2 = self.randomised(True)
        format2.load_state_dict({k: v for k, v in adapters.state_dict().items() if "route_sharpness" not in k})
        memory = format2.memory([{"text": text, "audio": audio}], [[1, 3, 1, 1]])
        self.assertTrue(torch.allclose(change([1, 3, 1, 1], 0.0), format2.fusion.layers["0"](x, *memory[:3]) - x, atol=1e-6))
        ratio = fusion.route_log_ratio(memory[2], memory[1])
        self.assertTrue(torch.all(ratio[0, 3:13] == 0) and torch.all(ratio[0, :3] < 0))
        # A large sharpness leaves only the heavier modality: what the lighter one says no longer matters.
        other_text = torch.randn(3, 16)
        self.assertFalse(torch.allclose(change([1, 3, 1, 1], 0.0), change([1, 3, 1, 1], 0.0, {"text": other_text, "audio": audio}), atol=1e-3))
        self.assertTrue(torch.allclose(change([1, 3, 1, 1], 200.0), change([1, 3, 1, 1], 200.0, {"text": other_text, "audio": audio}), atol=1e-6))
        # A memory of one modality is unaffected by the sharpness (every ratio is 0).
        self.assertTrue(torch.allclose(change([1, 3, 1, 1], 5.0, {"audio": audio}), change([1, 3, 1, 1], 0.0, {"audio": audio}), atol=1e-6))

    def test_relative_route_gives_the_heaviest_modality_its_full_strength(self):
        """Format 4: values scaled by route / max route. With a sharp route, audio at 0.75 beside text does
        what audio alone does; format 3 (values × 0.75) does less; one modality alone is the same in both."""
        self.assertEqual(config(True, True, True)["format_version"], 4)
        relative = self.randomised(True, route_bias=True, relative_route=True)
        absolute = self.randomised(True, route_bias=True)
        absolute.load_state_dict(relative.state_dict())
        with torch.no_grad():
            for model in (relative, absolute):
                for p in model.routing.mlp.parameters():
                    p.zero_()
                model.fusion.layers["0"].route_sharpness.fill_(200.0)
        text, audio = torch.randn(3, 16), relative.audio_tokens(torch.randn(10, 8))
        x = torch.randn(1, 4, 16)

        def change(model, tokens):
            memory = model.memory([tokens], [[1, 3, 1, 1]])
            return model.fusion.layers["0"](x, *memory[:3]) - x
        alone = change(relative, {"audio": audio})
        self.assertTrue(torch.allclose(alone, change(absolute, {"audio": audio}), atol=1e-6))
        self.assertTrue(torch.allclose(change(relative, {"text": text, "audio": audio}), alone, atol=1e-5))
        self.assertFalse(torch.allclose(change(absolute, {"text": text, "audio": audio}), alone, atol=1e-3))

    def test_voiced_share_tells_a_voice_from_a_whisper(self):
        from omnitiny import whisper_units
        t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
        tone = (0.3 * np.sin(2 * np.pi * 150 * t) + 0.1 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
        noise = (0.3 * np.random.default_rng(0).standard_normal(SAMPLE_RATE)).astype(np.float32)
        self.assertGreater(whisper_units.voiced_share(tone), 0.95)
        self.assertLess(whisper_units.voiced_share(noise), 0.05)
        self.assertEqual(whisper_units.voiced_share(np.zeros(100, dtype=np.float32)), 0.0)

    def test_feed_forward_block_is_a_no_op_until_its_gate_opens(self):
        """Format 5: with its gate at 0 the block changes nothing (format 4 exactly); open, it adds
        tanh(gate) · ffn(LN(y)) to the cross-attention's output y; without memory the layer is skipped."""
        self.assertEqual(config(True, True, True, True)["format_version"], 5)
        with_ffn = self.randomised(True, True, True, ffn=True)
        plain = self.randomised(True, True, True)
        plain.load_state_dict({k: v for k, v in with_ffn.state_dict().items() if ".ffn" not in k})
        memory = with_ffn.memory([{"text": torch.randn(3, 16), "audio": with_ffn.audio_tokens(torch.randn(10, 8))}], [[1, 3, 1, 1]])
        x = torch.randn(1, 4, 16)
        layer = with_ffn.fusion.layers["0"]
        with torch.no_grad():
            layer.ffn_gate.zero_()
            y = plain.fusion.layers["0"](x, *memory[:3])
            self.assertTrue(torch.allclose(layer(x, *memory[:3]), y, atol=1e-6))
            layer.ffn_gate.fill_(0.5)
            want = y + math.tanh(0.5) * layer.ffn(layer.ffn_norm(y))
            self.assertTrue(torch.allclose(layer(x, *memory[:3]), want, atol=1e-6))
            self.assertFalse(torch.allclose(want, y, atol=1e-4))
            empty = with_ffn.memory([{}], [[1, 1, 1, 1]])
            self.assertTrue(torch.equal(layer(x, *empty[:3]), x))

    def test_keeping_fusion_layers_closes_the_dropped_layers_feed_forward_too(self):
        import os, tempfile
        from safetensors.torch import load_file, save_file
        adapters = self.randomised(True, True, True, ffn=True)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "a.safetensors")
            save_file(adapters.state_for_export(), path, metadata=adapters.metadata())
            kept = load_file(adapter_eval.keep_fusion_layers(path, 1, os.path.join(tmp, "keep1.safetensors")))
        for name in ("gate", "ffn_gate"):
            self.assertEqual(kept[f"fusion.layers.1.{name}"].item(), 0.0)
            self.assertEqual(kept[f"fusion.layers.0.{name}"].item(), adapters.fusion.layers["0"].get_parameter(name).item())

    def test_kept_layers_run_as_with_the_dropped_layers_closed(self):
        import copy
        from transformers import BarkSemanticConfig
        from transformers.models.bark.modeling_bark import BarkSemanticModel
        semantic = BarkSemanticModel(BarkSemanticConfig(hidden_size=16, num_heads=2, num_layers=2, block_size=32,
                                                        input_vocab_size=40, output_vocab_size=40)).eval()
        adapters = self.randomised(True, True, True, ffn=True)
        closed = copy.deepcopy(adapters)
        with torch.no_grad():
            closed.fusion.layers["1"].gate.fill_(0.0)
            closed.fusion.layers["1"].ffn_gate.fill_(0.0)
        example = [{"control": adapters.control_tokens([{"kind": "beat", "time": 0.1}]), "text": torch.randn(2, 16)}]
        x = torch.randn(1, 6, 16)

        def logits(adapter_module, kept):
            fused = fusion.FusedSemantic(copy.deepcopy(semantic), adapter_module)
            fused.memory, fused.kept_layers = adapter_module.memory(example, [[1, 1, 1, 1]]), kept
            with torch.no_grad():
                return fused.semantic(inputs_embeds=x).logits

        one_layer = logits(adapters, 1)
        self.assertTrue(torch.allclose(one_layer, logits(closed, None), atol=1e-6))
        self.assertFalse(torch.allclose(one_layer, logits(adapters, None), atol=1e-4))
        self.assertTrue(torch.equal(logits(adapters, 2), logits(adapters, None)))

    def test_router_keeps_halve_the_fusion_layers_down_to_one(self):
        from omnitiny.adapter_train import router_keeps
        self.assertEqual(router_keeps(4), [2, 1])
        self.assertEqual(router_keeps(3), [1])
        self.assertEqual(router_keeps(2), [1])
        self.assertEqual(router_keeps(1), [])

    def test_control_slots_match_the_engine(self):
        self.assertEqual(fusion.control_slot(None, 64), 0)
        self.assertEqual(fusion.control_slot(7.9, 5), 2)
        h = 0xcbf29ce484222325
        for b in b"door_slam":
            h = ((h ^ b) * 0x100000001b3) % 2 ** 64
        self.assertEqual(fusion.control_slot("door_slam", 64), h % 64)


class EngineFixtureTests(unittest.TestCase):
    """The training module against the fixture the engine's parity test uses (Tests/Fixtures/fusion)."""

    def test_matches_the_engine_fixture(self):
        import json
        import os
        from safetensors.torch import load_file
        directory = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "fusion")
        adapters = fusion.load_adapters(os.path.join(directory, "adapters.safetensors"))
        ref = load_file(os.path.join(directory, "reference.safetensors"))
        with open(os.path.join(directory, "events.json")) as fh:
            events = [dict(e, time=e["time"] if "time" in e else e["frame"] / 75.0) for e in json.load(fh)["events"]]
        events.sort(key=lambda e: e["time"])
        with torch.no_grad():
            tokens = {"text": ref["text_embeddings"], "audio": adapters.audio_tokens(ref["audio_features"]),
                      "image": adapters.image_tokens(ref["image_pooled"], ref["image_hidden"]),
                      "control": adapters.control_tokens(events)}
            for name in ("audio", "image", "control"):
                self.assertTrue(torch.allclose(tokens[name], ref[f"tokens.{name}"], atol=1e-5), name)
            memory = adapters.memory([tokens], [[1.0, 2.0, 1.0, 0.5]])
            self.assertTrue(torch.allclose(memory[3][0], ref["all.route_weights"], atol=1e-6))
            x = ref["hidden"][None]
            for layer in adapters.config["fusion_layers"]:
                x = adapters.fusion.layers[str(layer)](x, *memory[:3])
                self.assertTrue(torch.allclose(x[0], ref[f"all.layer{layer}.output"], atol=1e-5), layer)


class SteeringHelpersTests(unittest.TestCase):
    def test_split_sentence_keeps_two_words_each_side(self):
        for seed in range(20):
            first, second = steer_corpus.split_sentence("Did Peter see the gentle man before dinner?", random.Random(seed))
            self.assertGreaterEqual(len(first.split()), 2)
            self.assertGreaterEqual(len(second.split()), 2)
            self.assertEqual(f"{first} {second}", "Did Peter see the gentle man before dinner?")

    def test_pause_and_rate_measures(self):
        tone = lambda s: (0.3 * np.sin(2 * math.pi * 200 * np.arange(int(s * SAMPLE_RATE)) / SAMPLE_RATE)).astype(np.float32)
        quiet = lambda s: np.zeros(int(s * SAMPLE_RATE), dtype=np.float32)
        audio = np.concatenate([quiet(0.1), tone(1.0), quiet(0.4), tone(0.8), quiet(0.1)])
        self.assertAlmostEqual(adapter_eval.speech_seconds(audio), 2.2, delta=0.03)
        self.assertTrue(adapter_eval.has_pause_at(audio, 1.1))
        self.assertFalse(adapter_eval.has_pause_at(audio, 0.6))
        self.assertFalse(adapter_eval.has_pause_at(np.concatenate([tone(1.0), quiet(0.1), tone(1.0)]), 1.0))
        teacher = {"slow": 3.0, "normal": 2.0, "fast": 1.4}
        self.assertEqual(adapter_eval.classify(2.9, teacher), "slow")
        self.assertEqual(adapter_eval.classify(1.7, teacher), "normal")
        self.assertEqual(adapter_eval.classify(1.0, teacher), "fast")

    def test_knock_detector_finds_the_corpus_knock_and_not_a_pause_or_speech(self):
        tone = lambda s: (0.3 * np.sin(2 * math.pi * 200 * np.arange(int(s * SAMPLE_RATE)) / SAMPLE_RATE)).astype(np.float32)
        quiet = lambda s: np.zeros(int(s * SAMPLE_RATE), dtype=np.float32)
        knock = steer_corpus.knock(7)
        self.assertAlmostEqual(len(knock) / SAMPLE_RATE, 2 * (steer_corpus.KNOCK_HIT_SECONDS + steer_corpus.KNOCK_GAP_SECONDS), delta=1e-3)
        with_knock = np.concatenate([tone(1.0), quiet(0.1), knock, tone(0.8)])
        self.assertAlmostEqual(adapter_eval.knocks(with_knock)[0], 1.1, delta=0.03)  # each of its two hits is one
        self.assertTrue(adapter_eval.has_knock_at(with_knock, 1.1))
        self.assertFalse(adapter_eval.has_knock_at(with_knock, 0.5))
        with_pause = np.concatenate([tone(1.0), quiet(0.4), tone(0.8)])
        self.assertEqual(adapter_eval.knocks(with_pause), [])
        # a longer sound between pauses is speech, not a knock; a short one at the very end is not bordered
        self.assertEqual(adapter_eval.knocks(np.concatenate([tone(0.5), quiet(0.1), tone(0.6), quiet(0.2), tone(0.5)])), [])
        self.assertEqual(adapter_eval.knocks(np.concatenate([tone(0.5), quiet(0.2), tone(0.2), quiet(0.1)])), [])
        # one hit, as the adapters often render it, is a knock too
        hit = knock[: int(steer_corpus.KNOCK_HIT_SECONDS * SAMPLE_RATE)]
        self.assertTrue(adapter_eval.has_knock_at(np.concatenate([tone(1.0), quiet(0.1), hit, quiet(0.3), tone(0.8)]), 1.1))
        sfx_row = [row for row in adapter_eval.condition_table() if row[1] == "knock"]
        self.assertEqual([(row[2], row[3]) for row in sfx_row], [("control events", {"sfx": True})])

    def test_drum_roll_detector_finds_the_corpus_roll_and_its_rendering_not_a_knock(self):
        tone = lambda s: (0.3 * np.sin(2 * math.pi * 200 * np.arange(int(s * SAMPLE_RATE)) / SAMPLE_RATE)).astype(np.float32)
        quiet = lambda s: np.zeros(int(s * SAMPLE_RATE), dtype=np.float32)
        roll = steer_corpus.drum_roll(3)
        # as long as the knock: the rate clock holds one length per event kind
        self.assertEqual(len(roll), len(steer_corpus.knock(3)))
        with_roll = np.concatenate([tone(1.0), quiet(0.1), roll, quiet(0.1), tone(0.8)])
        self.assertTrue(adapter_eval.has_drum_roll_at(with_roll, 1.1))
        self.assertFalse(adapter_eval.has_drum_roll_at(with_roll, 0.5))
        self.assertFalse(adapter_eval.has_knock_at(with_roll, 1.1))  # the knock detector does not take it
        with_knock = np.concatenate([tone(1.0), quiet(0.1), steer_corpus.knock(3), tone(0.8)])
        self.assertEqual(adapter_eval.drum_rolls(with_knock), [])  # two hits are not a roll
        # the codec's rendering: a train of short bursts, some only 20 ms apart
        bursts = np.concatenate([np.concatenate([tone(0.03), quiet(d)]) for d in (0.02, 0.08, 0.03, 0.1, 0.05)])
        self.assertTrue(adapter_eval.has_drum_roll_at(np.concatenate([tone(1.0), quiet(0.1), bursts, quiet(0.2), tone(0.8)]), 1.1))
        # syllable-long sounds are not hits; three hits are not a roll
        self.assertEqual(adapter_eval.drum_rolls(np.concatenate([tone(0.3), quiet(0.05)] * 6)), [])
        self.assertEqual(adapter_eval.drum_rolls(np.concatenate([tone(1.0), quiet(0.1), bursts[: int(0.2 * SAMPLE_RATE)], quiet(0.3), tone(0.5)])), [])
        drum_row = [row for row in adapter_eval.condition_table() if row[1] == "drum"]
        self.assertEqual([(row[2], row[3]) for row in drum_row], [("control events", {"sfx": "drum"})])

    def test_sfx_task_triggers_a_knock_at_the_recordings_second(self):
        from omnitiny import adapter_train
        examples = [dict(id=f"s{i}", rate=rate, split="train", sfx=1.25 + i if rate == "sfx" else None,
                         beat=None, frames=torch.zeros(3, 4)) for i in range(3) for rate in ("slow", "normal", "fast", "sfx")]
        tasks = adapter_train.Tasks(examples, {}, "train", seed=1)
        self.assertIn("sfx", tasks.kinds)
        self.assertNotIn("beat", tasks.kinds)  # no pause rows: no beat task
        self.assertNotIn("drum", tasks.kinds)  # no drum rows: no drum task
        payloads = set()
        for _ in range(30):
            drawn = tasks.draw("sfx")
            self.assertEqual(drawn["target"]["rate"], "sfx")
            event = drawn["inputs"]["control"][0]
            self.assertEqual(len(drawn["inputs"]["control"]), 1)
            self.assertEqual((event["kind"], event["time"]), ("sfx", drawn["target"]["sfx"]))
            payloads.add(event.get("payload"))
        self.assertEqual(payloads, {None, "knock"})  # a knock is asked for without a payload or by name
        without = adapter_train.Tasks([e for e in examples if e["rate"] != "sfx"], {}, "train", seed=1)
        self.assertNotIn("sfx", without.kinds)

    def test_drum_task_triggers_the_drum_payload_at_the_drum_recordings_second(self):
        from omnitiny import adapter_train
        examples = [dict(id=f"s{i}", rate=rate, split="train", sfx=0.75 + i if rate in ("sfx", "drum") else None,
                         beat=None, frames=torch.zeros(3, 4)) for i in range(3) for rate in ("slow", "normal", "fast", "sfx", "drum")]
        tasks = adapter_train.Tasks(examples, {}, "train", seed=1)
        self.assertIn("drum", tasks.kinds)
        for _ in range(5):
            drawn = tasks.draw("drum")
            self.assertEqual(drawn["target"]["rate"], "drum")
            self.assertEqual(drawn["inputs"], {"control": [{"kind": "sfx", "time": drawn["target"]["sfx"], "payload": "drum"}]})
        only = adapter_train.Tasks(examples, {}, "train", seed=1, kinds={"drum": 1.0, "beat": 1.0})
        self.assertEqual(list(only.kinds), ["drum"])  # --tasks drum,beat without pause rows

    def test_speaker_tasks_draw_a_reference_and_a_target_in_one_voice(self):
        from omnitiny import adapter_train
        examples = [dict(id=f"s{i}", rate=rate, split="train", frames=torch.full((3, 4), float(i)))
                    for i in range(3) for rate in ("slow", "normal", "fast")]
        for voice in ("espeak:en-us+f3", "espeak:en-us+whisper"):
            examples += [dict(id=f"{voice}-{i}", rate="normal", voice=voice, split="train", frames=torch.full((3, 4), 10.0 + i))
                         for i in range(3)]
        examples.append(dict(id="held-f3", rate="normal", voice="espeak:en-us+f3", split="heldout", frames=torch.zeros(3, 4)))
        tasks = adapter_train.Tasks(examples, {}, "train", seed=1)
        self.assertIn("speaker", tasks.kinds)
        self.assertIn("whisper", tasks.kinds)
        self.assertEqual(sorted(tasks.by_voice), ["espeak:en-us+f3", "espeak:en-us+whisper", "teacher"])
        self.assertTrue(all(not e.get("voice") for rows in tasks.by_rate.values() for e in rows))  # rates: the teacher's only
        voices = set()
        for _ in range(40):
            drawn = tasks.draw("speaker")
            voice = drawn["voice"]
            voices.add(voice)
            self.assertEqual(drawn["target"].get("voice") or "teacher", voice)
            self.assertEqual(drawn["target"]["rate"], "normal")
            references = [e for e in tasks.by_voice[voice] if torch.equal(e["frames"], drawn["inputs"]["audio"])]
            self.assertTrue(references)  # the reference is a recording in the same voice
            self.assertEqual(drawn["target"]["split"], "train")
        self.assertEqual(voices, set(tasks.by_voice))
        whisper = tasks.draw("whisper")
        self.assertEqual((whisper["inputs"], whisper["voice"]), ({"text": "[whisper]"}, "espeak:en-us+whisper"))
        self.assertEqual(adapter_train.attribute_label(whisper), "normal/espeak:en-us+whisper")
        self.assertEqual(adapter_train.attribute_label(tasks.draw("style")).split("/")[1], "teacher")
        teacher_only = adapter_train.Tasks([e for e in examples if not e.get("voice")], {}, "train", seed=1)
        self.assertNotIn("speaker", teacher_only.kinds)
        self.assertNotIn("whisper", teacher_only.kinds)
        voices_only = adapter_train.Tasks([e for e in examples if e.get("voice") or e["rate"] == "normal"], {}, "train", seed=1)
        self.assertEqual(sorted(voices_only.kinds), ["speaker", "whisper"])  # no slow or fast rows: no rate task
        no_whisper = adapter_train.Tasks([e for e in examples if "whisper" not in (e.get("voice") or "")], {}, "train", seed=1)
        self.assertIn("speaker", no_whisper.kinds)
        self.assertNotIn("whisper", no_whisper.kinds)

    def test_copy_control_rows_starts_the_drum_slot_as_the_knock_slot(self):
        from omnitiny import adapter_train
        adapters = fusion.OmniAdapters(fusion.default_config(16, 2, [0], 8, 8))
        weight = adapters.control.embeddings.weight
        slots = adapters.config["control_slots_per_kind"]
        knock, drum = 2 * slots, 2 * slots + fusion.control_slot("drum", slots)
        beat = weight[0].detach().clone()
        self.assertFalse(torch.equal(weight[knock], weight[drum]))
        adapter_train.copy_control_rows(adapters, "sfx:drum=sfx")
        self.assertTrue(torch.equal(weight[knock], weight[drum]))
        self.assertTrue(torch.equal(weight[0], beat))
        self.assertEqual(adapter_train.control_row(adapters, "sfx:3"), 2 * slots + 3)  # digits: a number payload
        with self.assertRaises(SystemExit):
            adapter_train.copy_control_rows(adapters, "sfx:drum")

    def test_cached_features_take_the_manifests_new_labels(self):
        import argparse, json, os, tempfile
        from omnitiny import adapter_train
        model = os.path.join(os.path.dirname(__file__), "..", "..", "models", "omnibark-tiny")
        with tempfile.TemporaryDirectory() as tmp:
            cached = [dict(id="s0", rate="normal", split="train", text="x", beat=None, sfx=None, text_ids=[1],
                           units=[1, 2, 3], frames=torch.zeros(2, 3)),
                      dict(id="s0", rate="sfx", split="train", text="x", beat=None, sfx=0.5, text_ids=[1],
                           units=[4, 5], frames=torch.zeros(2, 3))]
            torch.save(dict(examples=cached, images={}), os.path.join(tmp, "features.pt"))
            manifest = os.path.join(tmp, "manifest.jsonl")
            with open(manifest, "w") as fh:
                fh.write(json.dumps(dict(id="s0", rate="normal", units=[7, 2, 3])) + "\n")
                fh.write(json.dumps(dict(id="s0", rate="sfx", units=[4, 5], sfx=0.5)) + "\n")
            args = argparse.Namespace(run=tmp, model=model, steer=manifest, clip=None)
            data = adapter_train.prepare(args, model=None)  # nothing new to encode: the model is not needed
            self.assertEqual([e["units"] for e in data["examples"]], [[7, 2, 3], [4, 5]])
            self.assertEqual(torch.load(os.path.join(tmp, "features.pt"), weights_only=False)["examples"][0]["units"], [7, 2, 3])
            with open(manifest, "w") as fh:  # a row that names another voice gives the cached example that voice
                fh.write(json.dumps(dict(id="s0", rate="normal", units=[7, 2, 3], voice="espeak:en-us+f3")) + "\n")
                fh.write(json.dumps(dict(id="s0", rate="sfx", units=[4, 5], sfx=0.5)) + "\n")
            data = adapter_train.prepare(args, model=None)
            self.assertEqual([e.get("voice") for e in data["examples"]], ["espeak:en-us+f3", None])

    def test_transition_weight_counts_where_the_units_move_on(self):
        from omnitiny import adapter_train
        y = torch.tensor([[-100, -100, 5, 5, 7, 7, 7, 256, -100]])
        self.assertEqual(adapter_train.loss_weights(y).tolist(), [[0, 0, 1, 1, 1, 1, 1, 1, 0]])
        self.assertEqual(adapter_train.loss_weights(y, 2.0).tolist(), [[0, 0, 1, 1, 2, 1, 1, 2, 0]])

    def test_self_feed_puts_the_prediction_where_the_next_input_reads_it(self):
        from omnitiny import adapter_train
        from omnitiny import layout as L
        embed = torch.nn.Embedding(L.SEMANTIC_EOS + 1, 3)
        # inputs: two text positions, the infer token, three units; targets: the units, then EOS
        x = torch.arange(18, dtype=torch.float32).view(1, 6, 3)
        y = torch.tensor([[-100, 5, 6, 7, L.SEMANTIC_EOS, -100]])
        predictions = torch.tensor([[9, 11, 12, 13, 14, 15]])
        every, replaced = adapter_train.self_fed_inputs(embed, x, y, predictions, 1.0, torch.Generator().manual_seed(0))
        self.assertEqual(replaced, 3)
        self.assertTrue(torch.equal(every[0, :2], x[0, :2]))  # the text and the infer token stay
        self.assertTrue(torch.equal(every[0, 2:5], embed(torch.tensor([11, 12, 13])).detach()))
        self.assertTrue(torch.equal(every[0, 5], x[0, 5]))  # after EOS: nothing
        none, replaced = adapter_train.self_fed_inputs(embed, x, y, predictions, 0.0, torch.Generator().manual_seed(0))
        self.assertEqual(replaced, 0)
        self.assertTrue(torch.equal(none, x))

    def test_position_clock_rescales_the_unit_positions_to_the_normal_rate(self):
        from types import SimpleNamespace
        from omnitiny import layout as L
        from omnitiny import position_clock
        seen = []

        class Semantic:  # names unit 5 everywhere and records the positions it was given
            input_embeds_layer = torch.nn.Embedding(L.SEMANTIC_EOS + 300, 2)
            config = SimpleNamespace(block_size=512)

            def __call__(self, inputs_embeds, position_ids):
                seen.append(position_ids[0].tolist())
                logits = torch.zeros(1, inputs_embeds.shape[1], L.SEMANTIC_VOCAB + 1)
                logits[..., 5] = 1
                return SimpleNamespace(logits=logits)

        slow = dict(text_ids=[1, 2], units=[5, 5, 5, 5, 7, 7])
        normal = dict(text_ids=[1, 2], units=[5, 5, 7, 7])
        start = L.MAX_TEXT + 1
        got = position_clock.accuracy(Semantic(), 10, [(slow, normal)], rescale=False)
        self.assertEqual(seen[-1][start:], [start + k for k in range(6)])
        self.assertEqual(got, {0: (100.0, 4), 1: (0.0, 3)})  # 5 5 5 5 | 7 7 EOS
        position_clock.accuracy(Semantic(), 10, [(slow, normal)], rescale=True)
        self.assertEqual(seen[-1][:start], list(range(start)))
        self.assertEqual(seen[-1][start:], [start + round(k / 1.5) for k in range(6)])

    def test_unit_positions_follow_the_rate_clock_as_the_engine_does(self):
        from omnitiny import adapter_train
        from omnitiny import layout as L
        start = L.MAX_TEXT + 1
        got = adapter_train.unit_positions([1.0, 2.0, 0.5], start + 6, block_size=start + 4)
        self.assertEqual(got[:, :start].tolist(), [list(range(start))] * 3)
        # SemanticRateClockTests: halves round up; clamped to the last position
        self.assertEqual(got[0, start:].tolist(), [start + k for k in (0, 1, 2, 3, 3, 3)])
        self.assertEqual(got[1, start:].tolist(), [start + k for k in (0, 1, 1, 2, 2, 3)])
        self.assertEqual(got[2, start:].tolist(), [start + k for k in (0, 2, 3, 3, 3, 3)])

    def test_clock_holds_stop_the_clock_and_queue_as_the_engine_does(self):
        from omnitiny import adapter_train
        from omnitiny import layout as L
        config = fusion.default_config(8, 2, [0], 4, 6, ffn=True, rate_clock=True,
                                       clock_holds=[{"kind": "beat", "units": 29, "lead": 5}, {"kind": "sfx", "units": 41, "lead": 5}])
        self.assertEqual(config["clock_holds"][1], {"kind": "sfx", "units": 41, "lead": 5})
        self.assertNotIn("clock_holds", fusion.default_config(8, 2, [0], 4, 6, ffn=True, rate_clock=True))
        # AdapterCheckpointTests: 0.2 s · 49.9 = 9.98 → unit 10, less 5; 1.0 s → unit 50, less 5; no rule for phonemes
        events = [{"kind": "sfx", "time": 1.0}, {"kind": "beat", "time": 0.2}, {"kind": "phoneme", "time": 0.5}]
        self.assertEqual(fusion.clock_holds(config, events), [(5, 29), (45, 41)])
        self.assertEqual(fusion.clock_holds(config, [{"kind": "beat", "time": 0.01}]), [(0, 29)])
        start = L.MAX_TEXT + 1
        # SemanticRateClockTests.holdsStopTheClock
        got = adapter_train.unit_positions([1.0, 2.0, 1.0], start + 10, block_size=1024, holds=[[(2, 3)], [(2, 3)], [(3, 2), (2, 3)]])
        self.assertEqual(got[0, start:start + 9].tolist(), [start + k for k in (0, 1, 2, 2, 2, 2, 3, 4, 5)])
        self.assertEqual(got[1, start:start + 9].tolist(), [start + k for k in (0, 1, 1, 1, 1, 1, 2, 2, 3)])
        self.assertEqual(got[2, start:].tolist(), [start + k for k in (0, 1, 2, 2, 2, 2, 2, 2, 3, 4)])

    def test_unit_strides_are_the_rates_and_one_for_inserted_sounds(self):
        from omnitiny import adapter_train
        normal = {"a": 10, "b": 20}
        batch = [dict(rate="slow", target=dict(id="a", units=[0] * 15)), dict(rate="fast", target=dict(id="b", units=[0] * 14)),
                 dict(rate="normal", target=dict(id="a", units=[0] * 10)), dict(rate="normal", target=dict(id="b", units=[0] * 26))]
        self.assertEqual(adapter_train.unit_strides(batch, normal), [1.5, 0.7, 1.0, 1.0])  # the last: a pause row

    def test_rate_clock_head_starts_at_stride_one_and_is_clamped_as_the_engine_clamps(self):
        config = fusion.default_config(8, 2, [0], 4, 6, ffn=True, rate_clock=True)
        self.assertEqual(config["format_version"], 6)
        self.assertEqual(fusion.default_config(8, 2, [0], 4, 6, ffn=True)["format_version"], 5)
        adapters = fusion.OmniAdapters(config)
        self.assertIn("rate_clock.weight", adapters.state_for_export())
        state = torch.randn(3, 8)
        self.assertTrue(torch.equal(adapters.stride(state), torch.ones(3)))
        with torch.no_grad():
            adapters.rate_clock.bias.fill_(5.0)
        self.assertTrue(torch.equal(adapters.stride(state), torch.full((3,), 4.0)))
        self.assertFalse(hasattr(fusion.OmniAdapters(fusion.default_config(8, 2, [0], 4, 6, ffn=True)), "rate_clock"))
        self.assertNotIn("rate_clock_layer", config)
        self.assertEqual(fusion.default_config(8, 2, [0], 4, 6, ffn=True, rate_clock=True, rate_clock_layer=0)["rate_clock_layer"], 0)

    def test_codec_mark_transfer_marks_at_the_share_it_is_given(self):
        from omnitiny import codec_mark_transfer as probe
        x = np.random.default_rng(3).normal(scale=0.1, size=SAMPLE_RATE * 2)
        marked = probe.embed(x, frames_per_cell=5, bands=12, share_db=-30)
        self.assertEqual(len(marked), len(x))
        snr = 10 * np.log10((x ** 2).sum() / ((marked - x) ** 2).sum())
        self.assertGreater(snr, 29.0)
        self.assertLess(snr, 32.0)
        before, after = probe.cells(x, 5, 12), probe.cells(marked, 5, 12)
        signs = probe.pattern(before.shape[0] * 5, 12, 5)[::5][: before.shape[0]]
        # flat noise: a ≈ √(0.001 / 0.54) in every band, a log-power change of about 2a = 0.086
        self.assertGreater(((after - before) * signs).mean(), 0.07)

    def test_priority_rows_take_the_dominant_weight(self):
        rows = {name: weights for name, _, task, _, weights in adapter_eval.condition_table(10) if task == "priority"}
        self.assertEqual(rows, {"style slow + reference fast, audio=10": {"audio": 10},
                                "style slow (text=10) + reference fast": {"text": 10},
                                "reference slow + image fast, image=10": {"image": 10}})
        self.assertIn("style slow + reference fast, audio=3", [row[0] for row in adapter_eval.condition_table()])


if __name__ == "__main__":
    unittest.main()
