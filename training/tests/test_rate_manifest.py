"""The rate manifests for the codec decoder: slow and fast steering recordings join the corpus as speech,
their held-out sentences get manifests of their own, and paths resolve from the corpus's directory.
Run from training/: python -m unittest discover tests"""

import json
import os
import tempfile
import unittest

from omnitiny import manifest, rate_manifest


def steer_row(sid, rate, split):
    return dict(id=sid, rate=rate, audio=f"{rate}/{sid}.wav", text=f"text {sid}", split=split, seconds=1.5, units=[1, 2])


class RateManifestTest(unittest.TestCase):
    def test_the_three_manifests(self):
        with tempfile.TemporaryDirectory() as root:
            data, steer_dir = os.path.join(root, "data"), os.path.join(root, "data", "steer")
            os.makedirs(steer_dir)
            corpus = [dict(id="c0", audio="speech/c0.wav", text="a", language="en", kind="speech", caption=None,
                           voice="espeak:en-us", image=None, split="train", seconds=2.0)]
            with open(os.path.join(data, "manifest.jsonl"), "w") as fh:
                fh.writelines(json.dumps(r) + "\n" for r in corpus)
            rows = [steer_row("s0", rate, "train") for rate in ("normal", "slow", "fast", "pause")] + \
                   [steer_row("h0", rate, "heldout") for rate in ("normal", "slow", "fast")]
            with open(os.path.join(steer_dir, "manifest.jsonl"), "w") as fh:
                fh.writelines(json.dumps(r) + "\n" for r in rows)
            rate_manifest.main(["--manifest", os.path.join(data, "manifest.jsonl"),
                                "--steer", os.path.join(steer_dir, "manifest.jsonl"), "--out", data])
            train = manifest.read(os.path.join(data, "manifest-rates.jsonl"))
            self.assertEqual([r["id"] for r in train], ["c0", "s0-slow", "s0-fast"])
            self.assertEqual(train[2]["path"], os.path.join(data, "steer", "fast", "s0.wav"))
            self.assertTrue(all(r["kind"] == "speech" for r in train))
            fast = manifest.read(os.path.join(data, "manifest-fast-heldout.jsonl"), split="heldout")
            self.assertEqual([(r["id"], r["text"]) for r in fast], [("h0-fast", "text h0")])
            with self.assertRaises(SystemExit) as refused:
                rate_manifest.main(["--manifest", os.path.join(data, "manifest.jsonl"),
                                    "--steer", os.path.join(steer_dir, "manifest.jsonl"), "--out", steer_dir])
            self.assertIn("must be the corpus manifest's directory", str(refused.exception))


if __name__ == "__main__":
    unittest.main()
