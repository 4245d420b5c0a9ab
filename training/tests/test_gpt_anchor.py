"""gpt_train's anchor (`--anchor`): a KL term that holds the coarse GPT to a reference checkpoint on the rows of
the kinds it already renders, and leaves the kinds being taught to cross-entropy alone.
Run from training/: python -m unittest discover tests"""

import argparse
import os
import tempfile
import unittest

import numpy as np
import torch

from omnitiny import bark_data, gpt_train
from omnitiny import layout as L

TEXT_VOCAB = 40


def record(record_id, seed):
    rng = np.random.default_rng(seed)
    return dict(id=record_id, split="train", kind="speech", voice=None, text="a b", text_ids=[3, 4, 5],
                units=rng.integers(0, L.SEMANTIC_VOCAB, 60), codes=rng.integers(0, L.CODEBOOK_SIZE, (4, 90)),
                weight=1.0)


RECORDS = [record("train-espeak-en-us-00001", 0), record("train-espeak-en-us-00001-drum", 1),
           record("train-espeak-en-us-00002-slow", 2)]


def maker():
    return bark_data.ExampleMaker(RECORDS, TEXT_VOCAB, 0, history_probability=0.0)


def models():
    torch.manual_seed(0)
    model = gpt_train.build("coarse", TEXT_VOCAB)
    anchor = gpt_train.build("coarse", TEXT_VOCAB)
    anchor.load_state_dict(model.state_dict())
    return model.eval(), anchor.eval()


def perturb(model):
    """Moves every weight by a little noise, so the model no longer equals its anchor."""
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))


class AnchoredLossTests(unittest.TestCase):
    def test_same_weights_give_zero_kl_and_plain_cross_entropy(self):
        model, anchor = models()
        loss, kl = gpt_train.anchored_coarse_loss(model, anchor, maker(), RECORDS, 1.0, [True, False, True])
        plain = gpt_train.coarse_loss(model, maker(), RECORDS)  # the same windows: same seed, same draws
        self.assertAlmostEqual(kl.item(), 0.0, places=6)
        self.assertAlmostEqual(loss.item(), plain.item(), places=5)

    def test_kl_counts_only_anchored_rows(self):
        model, anchor = models()
        perturb(model)
        loss, kl = gpt_train.anchored_coarse_loss(model, anchor, maker(), RECORDS, 2.0, [True, False, False])
        plain = gpt_train.coarse_loss(model, maker(), RECORDS)
        self.assertGreater(kl.item(), 1e-4)
        self.assertAlmostEqual(loss.item(), plain.item() + 2.0 * kl.item(), places=4)
        none, zero = gpt_train.anchored_coarse_loss(model, anchor, maker(), RECORDS, 2.0, [False, False, False])
        self.assertEqual(zero.item(), 0.0)
        self.assertAlmostEqual(none.item(), plain.item(), places=5)

    def test_its_gradient_pulls_the_model_back_to_the_anchor(self):
        model, anchor = models()
        perturb(model)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        kls = []
        for _ in range(6):
            loss, kl = gpt_train.anchored_coarse_loss(model, anchor, maker(), RECORDS, 20.0, [True] * 3)
            kls.append(kl.item())
            opt.zero_grad()
            loss.backward()
            opt.step()
        self.assertLess(kls[-1], kls[0] * 0.8)


class AnchorFlagTests(unittest.TestCase):
    def args(self, **kw):
        base = dict(anchor=None, anchor_weight=1.0, anchor_skip="", stage="coarse")
        base.update(kw)
        return argparse.Namespace(**base)

    def checkpoint(self, folder):
        path = os.path.join(folder, "coarse.pt")
        model, _ = models()
        torch.save({"model": model.state_dict()}, path)
        return path

    def test_rows_of_skipped_kinds_are_not_anchored(self):
        with tempfile.TemporaryDirectory() as folder:
            anchor, anchored = gpt_train.load_anchor(self.args(anchor=self.checkpoint(folder), anchor_skip="drum"),
                                                     TEXT_VOCAB, RECORDS)
        self.assertEqual(anchored, [True, False, True])
        self.assertFalse(any(p.requires_grad for p in anchor.parameters()))

    def test_bad_flags_are_named(self):
        with tempfile.TemporaryDirectory() as folder:
            path = self.checkpoint(folder)
            cases = [(self.args(anchor_skip="drum"), "--anchor-skip needs --anchor"),
                     (self.args(anchor=path, stage="fine"), "for --stage coarse"),
                     (self.args(anchor=os.path.join(folder, "missing.pt")), "no such checkpoint"),
                     (self.args(anchor=path, anchor_weight=0.0), "must be > 0"),
                     (self.args(anchor=path, anchor_skip="knock"), "names knock: no training rows"),
                     (self.args(anchor=path, anchor_skip="normal,drum,slow"), "nothing would be anchored")]
            for args, message in cases:
                with self.assertRaises(SystemExit) as caught:
                    gpt_train.load_anchor(args, TEXT_VOCAB, RECORDS)
                self.assertIn(message, str(caught.exception))


if __name__ == "__main__":
    unittest.main()


class TrainUnitsTests(unittest.TestCase):
    """`--train-units`: only the named units' input embedding rows move; every other bit of the model stays."""

    def run_training(self, folder, extra):
        marked = lambda units: np.where(np.arange(60) % 7 == 0, 30, np.where(np.arange(60) % 11 == 5, 240, units))
        records = [dict(r, units=marked(r["units"])) for r in RECORDS]
        data = os.path.join(folder, "records.pt")
        torch.save({"records": records, "text_vocab_size": TEXT_VOCAB}, data)
        model, _ = models()
        init = os.path.join(folder, "init.pt")
        torch.save({"model": model.state_dict()}, init)
        gpt_train.main(["--stage", "coarse", "--data", data, "--run", os.path.join(folder, "run"), "--init", init,
                        "--max-steps", "3", "--batch", "2", "--lr", "1e-2", "--warmup", "1"] + extra)
        return model.state_dict(), torch.load(os.path.join(folder, "run", "coarse.pt"), weights_only=False)["model"]

    def test_only_the_named_rows_change(self):
        with tempfile.TemporaryDirectory() as folder:
            before, after = self.run_training(folder, ["--train-units", "30,240"])
        for name, tensor in before.items():
            if name == "input_embeds_layer.weight":
                others = [i for i in range(tensor.shape[0]) if i not in (30, 240)]
                self.assertTrue(torch.equal(tensor[others], after[name][others]))
                self.assertFalse(torch.equal(tensor[30], after[name][30]))
                self.assertFalse(torch.equal(tensor[240], after[name][240]))
            else:
                self.assertTrue(torch.equal(tensor, after[name]), name)

    def test_without_the_flag_everything_trains(self):
        with tempfile.TemporaryDirectory() as folder:
            before, after = self.run_training(folder, [])
        self.assertFalse(torch.equal(before["layers.0.attn.att_proj.weight"], after["layers.0.attn.att_proj.weight"]))

    def test_bad_units_are_named(self):
        for flag, message in (("7,x", "not a list of unit ids"), ("99999", "needs ids in 0.."),
                              ("241", "241: no training row contains that unit")):
            with tempfile.TemporaryDirectory() as folder, self.assertRaises(SystemExit) as caught:
                self.run_training(folder, ["--train-units", flag])
            self.assertIn(message, str(caught.exception))
        with tempfile.TemporaryDirectory() as folder, self.assertRaises(SystemExit) as caught:
            self.run_training(folder, ["--train-units", "30,240", "--anchor", os.path.join(folder, "init.pt")])
        self.assertIn("--anchor adds nothing", str(caught.exception))
