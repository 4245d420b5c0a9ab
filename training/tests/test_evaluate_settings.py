"""`evaluate --settings`: weight formats, live mode, the router's fine-context step (`live-context-N`) and
live mode with more shortcuts (`live+q4+f16kv+cb4`).
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

    def test_live_shortcut_settings_pass_their_flags(self):
        a = args("live,live+cb4,live+q4+f16kv+cb2,live+int8+h120")
        cmd = evaluate.synthesis_command("omnibark", "m", "live+cb4", "Hi.", "/tmp/o.wav", a)
        self.assertEqual(cmd[:2], ["omnibark", "live"])
        self.assertEqual(cmd[cmd.index("--mode") + 1], "live")
        self.assertEqual(cmd[cmd.index("--fine-codebooks") + 1], "4")
        self.assertEqual(cmd[cmd.index("--weights") + 1], "f32")
        self.assertNotIn("--kv-cache", cmd)
        self.assertEqual(cmd[-2:], ["--sink", "wav:/tmp/o.wav"])
        cmd = evaluate.synthesis_command("omnibark", "m", "live+q4+f16kv+cb2", "Hi.", "/tmp/o.wav", a)
        self.assertEqual(cmd[cmd.index("--weights") + 1], "q4")
        self.assertEqual(cmd[cmd.index("--kv-cache") + 1], "f16")
        self.assertEqual(cmd[cmd.index("--fine-codebooks") + 1], "2")
        cmd = evaluate.synthesis_command("omnibark", "m", "live+int8+h120", "Hi.", "/tmp/o.wav", a)
        self.assertEqual(cmd[cmd.index("--live-coarse-history") + 1], "120")
        self.assertNotIn("--fast-start", cmd)
        cmd = evaluate.synthesis_command("omnibark", "m", "live+f16kv+fast", "Hi.", "/tmp/o.wav", a)
        self.assertIn("--fast-start", cmd)
        self.assertEqual(cmd[cmd.index("--kv-cache") + 1], "f16")

    def test_live_context_settings_are_not_benched(self):
        a = args("live-context-64,live+cb4")
        a.no_bench = False
        a.live_seconds = 0
        ran = evaluate.run_benches("omnibark", "m", a.settings, "/tmp", {}, a)
        self.assertEqual(ran["formats"], [])

    def test_bad_settings_are_named(self):
        for bad in ("live-context-0", "live-context-x", "live+cb1", "live+cb9", "live+h7", "live+", "live+f8", "f16"):
            err = io.StringIO()
            with self.assertRaises(SystemExit), contextlib.redirect_stderr(err):
                args(bad)
            self.assertIn(bad, err.getvalue())
            self.assertIn("live-context-N", err.getvalue())


if __name__ == "__main__":
    unittest.main()
