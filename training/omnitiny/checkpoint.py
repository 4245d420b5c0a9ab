"""Resumable training state: one file per run, replaced atomically, so an interrupted run continues
from its last checkpoint with the same optimizer state, step and random generators."""

import os
import sys

import torch


def save(path: str, **state) -> None:
    tmp = path + ".part"
    torch.save(state, tmp)
    os.replace(tmp, path)


def load(path: str):
    """The saved state, or None when there is no checkpoint yet."""
    if not os.path.exists(path):
        return None
    return torch.load(path, map_location="cpu", weights_only=False)


def resume(path: str, model, optimizer, name: str):
    """Loads `model` and `optimizer` from the checkpoint at `path` if there is one and says so;
    returns the whole saved state (for the run's own random generators) or None."""
    state = load(path)
    if state:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        print(f"{name}: resumed at step {state['step']} from {path}", file=sys.stderr)
    return state


class RunClock:
    """When a resumable run saves and stops: every `interval_s` seconds, once `minutes` of wall time or
    `max_steps` are reached, and at the next step after SIGTERM or Ctrl-C (so an interrupted run saves
    first and loses nothing)."""

    def __init__(self, minutes: float, max_steps: int, interval_s: float = 300):
        import signal
        import time
        self._time = time.time
        self.started = self.last_save = time.time()
        self.minutes, self.max_steps, self.interval_s = minutes, max_steps, interval_s
        self.interrupted = False
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._interrupt)

    def _interrupt(self, signum, frame):
        self.interrupted = True

    def elapsed_minutes(self) -> float:
        return (self._time() - self.started) / 60

    def check(self, step: int):
        """(save now, stop after saving) after `step` steps."""
        done = self.interrupted or self.elapsed_minutes() >= self.minutes or step >= self.max_steps
        save = done or self._time() - self.last_save > self.interval_s
        if save:
            self.last_save = self._time()
        return save, done
