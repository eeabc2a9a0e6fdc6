"""Crash safety: ``migrate`` killed with SIGKILL at random points, then resumed, ends with the
same sandbox as an uninterrupted run, row for row: nothing doubled, nothing missing."""

from __future__ import annotations

import importlib.util
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

TABLES = ("owners", "companies", "contacts", "deals", "activities", "associations")
TRIALS = 10


def _dataset(folder: Path) -> Path:
    spec = importlib.util.spec_from_file_location(
        "make_dataset", ROOT / "tests" / "benchmarks" / "make_dataset.py"
    )
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    module.generate(folder, scale=0.001, seed=11)
    return folder


def _migrate(src: Path, project: Path, kill_at: str = "") -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.pop("CUTOVER_WIZARD_TEST_KILL", None)
    if kill_at:
        env["CUTOVER_WIZARD_TEST_KILL"] = kill_at
    return subprocess.Popen(
        [sys.executable, "-m", "wizard", "migrate", str(src), "--project", str(project),
         "--batch-rows", "40"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip


def _dump(db: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(db)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in TABLES}
    finally:
        con.close()


def _outcomes(project: Path) -> list[tuple]:
    con = sqlite3.connect(project / "ledger.db")
    try:
        return con.execute(
            "SELECT f.label, o.outcome, COUNT(*) FROM outcomes o JOIN files f USING (fid) "
            "GROUP BY 1, 2 ORDER BY 1, 2"
        ).fetchall()
    finally:
        con.close()


def _interrupted(project: Path) -> bool:
    """Did the kill land inside a phase run (the journal has a run that never ended)?"""
    if not (project / "ledger.db").exists():
        return False
    con = sqlite3.connect(project / "ledger.db")
    try:
        return bool(con.execute("SELECT COUNT(*) FROM runs WHERE ended_at IS NULL").fetchone()[0])
    except sqlite3.OperationalError:
        return False
    finally:
        con.close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is a POSIX signal")
def test_sigkill_at_random_points_then_resume_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    src = _dataset(tmp_path / "export")
    reference = tmp_path / "reference"
    proc = _migrate(src, reference)
    assert proc.wait(timeout=300) == 0, proc.stderr.read() if proc.stderr else ""
    expected = _dump(reference / "sandbox.db")
    expected_outcomes = _outcomes(reference)
    assert sum(len(rows) for rows in expected.values()) > 3000

    rnd = random.Random(2024)
    mid_phase = 0
    for trial in range(TRIALS):
        project = tmp_path / f"trial{trial}"
        for attempt in range(1 + trial % 3):  # some trials are killed again while resuming
            if (trial + attempt) % 2:
                # at a random instant of the run (reading, staging, loading...)
                proc = _migrate(src, project)
                try:
                    proc.wait(timeout=rnd.uniform(0.6, 1.6))
                except subprocess.TimeoutExpired:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
            else:
                # at the worst instants: between two commits of a random batch
                point = rnd.choice(["inflight", "target", "ledger"])
                proc = _migrate(src, project, f"{point}:{rnd.randint(1, 60)}")
                proc.wait(timeout=300)
            if proc.returncode == -signal.SIGKILL:
                mid_phase += _interrupted(project)
        final = _migrate(src, project)
        assert final.wait(timeout=300) == 0, final.stderr.read() if final.stderr else ""
        assert _dump(project / "sandbox.db") == expected, f"trial {trial} differs"
        assert _outcomes(project) == expected_outcomes, f"trial {trial} accounting differs"
    assert mid_phase >= TRIALS // 2, f"only {mid_phase} kills landed inside a phase run"
