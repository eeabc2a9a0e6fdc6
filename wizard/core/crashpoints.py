"""Crash tests only: an environment setting ``point:n`` kills this process (SIGKILL) the n-th
time the code reaches ``point``, so a test can prove that a kill at that instant loses and
doubles nothing. Unset in normal use: each call is then one comparison."""

from __future__ import annotations

import os
import signal
from collections import Counter


class CrashPoints:
    def __init__(self, env: str) -> None:
        self.at = os.environ.get(env, "")
        self.counts: Counter[str] = Counter()

    def __call__(self, point: str) -> None:
        if not self.at:
            return
        where, _, n = self.at.partition(":")
        if where == point:
            self.counts[point] += 1
            if self.counts[point] == int(n or 1):
                os.kill(os.getpid(), signal.SIGKILL)
