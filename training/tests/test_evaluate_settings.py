"""`evaluate --settings`: weight formats, live mode and the router's fine-context and fine-codebook steps
(`live-context-N`, `live-codebooks-N`).
Run from training/: python -m unittest discover tests"""

import contextlib
import io
import unittest

from omnitiny import evaluate


def args(settings):
    return evaluate.parse_args(["--model", "m", "--manifest", "x.jsonl", "--out", "o", "--settings", settings])


class SettingsTests(unittest.TestCase):
    def test_live_context_settings_run_live_with_that_context(self):
        a = args("f32,live-context-32")
        self.assertEqual(a.settings, ["f32", "live-context-32"])
        cmd = evaluate.synthesis_command("omnibark", "m", "live-context-32", "Hi.", "/tmp/o.wav", a)
        self.assertEqual(cmd[:2], ["omnibark", "live"])
        self.assertEqual(cmd[cmd.index("--context") + 1], "32")
        self.assertNotIn("--mode", cmd)
        self.assertEqual(cmd[-2:], ["--sink", "wav:/tmp/o.wav"])

    def test_live_codebooks_settings_run_live_mode_with_that_many_codebooks(self):
        a = args("live,live-codebooks-4")
        cmd = evaluate.synthesis_command("omnibark", "m", "live-codebooks-4", "Hi.", "/tmp/o.wav", a)
        self.assertEqual(cmd[:2], ["omnibark", "live"])
        self.assertEqual(cmd[cmd.index("--mode") + 1], "live")
        self.assertEqual(cmd[cmd.index("--fine-codebooks") + 1], "4")
        self.assertEqual(cmd[-2:], ["--sink", "wav:/tmp/o.wav"])

    def test_live_context_settings_are_not_benched(self):
        a = args("live-context-64,live-codebooks-4")
        a.no_bench = False
        a.live_seconds = 0
        ran = evaluate.run_benches("omnibark", "m", a.settings, "/tmp", {}, a)
        self.assertEqual(ran["formats"], [])

    def test_bad_settings_are_named(self):
        for bad in ("live-context-0", "live-context-x", "live-codebooks-1", "live-codebooks-9", "f16"):
            err = io.StringIO()
            with self.assertRaises(SystemExit), contextlib.redirect_stderr(err):
                args(bad)
            self.assertIn(bad, err.getvalue())
            self.assertIn("live-context-N", err.getvalue())


if __name__ == "__main__":
    unittest.main()
