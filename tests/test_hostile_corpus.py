"""The hostile corpus (tests/hostile_corpus.py): every case, in a child process with a memory
cap and a time limit, ends in a plain message or loads with exact accounting."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT
from tests.hostile_corpus import CASES, TIME_LIMIT


def test_every_hostile_input_gets_a_plain_answer() -> None:
    assert len(CASES) >= 60
    run = subprocess.run([sys.executable, "-m", "tests.hostile_corpus", "-v"], cwd=ROOT,
                         capture_output=True, text=True, timeout=len(CASES) * TIME_LIMIT)  # fmt: skip
    last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else "{}"
    summary = json.loads(last) if last.startswith("{") else {}
    failed = [line for line in run.stdout.splitlines() if not line.startswith(("ok ", "{"))]
    assert summary == {"cases": len(CASES), "failed": 0}, "\n".join(failed) + run.stderr[-2000:]
