"""The command line: exit codes and plain messages, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import BAD


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wizard", *args], capture_output=True,
                          text=True)  # fmt: skip


def test_inspect_sample_json_and_save_plan(salesforce_sample, tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    result = _run("inspect", str(salesforce_sample), "--json", "--save-plan", str(plan))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["preset"] == "salesforce" and data["errors"] == 0  # bad emails: warnings
    assert {f["label"]: f["rows"] for f in data["files"]}["Opportunity.csv"] == 36
    again = _run("inspect", str(salesforce_sample), "--plan", str(plan))
    assert again.returncode == 0 and "Integration Sync" in again.stdout


def test_unreadable_input_exits_2_with_reason(tmp_path: Path) -> None:
    result = _run("inspect", str(BAD / "utf8_plain.csv"), str(BAD / "corrupt.xlsx"))
    assert result.returncode == 2
    assert "corrupt.xlsx: could not be read" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_missing_file_and_bad_plan_exit_2(tmp_path: Path) -> None:
    result = _run("inspect", str(tmp_path / "nope.csv"))
    assert result.returncode == 2 and "There is no file" in result.stdout
    (tmp_path / "p.json").write_text("[]")
    result = _run("inspect", str(BAD / "utf8_plain.csv"), "--plan", str(tmp_path / "p.json"))
    assert result.returncode == 2 and "Error:" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_usage_exits_2() -> None:
    assert _run("inspect").returncode == 2
