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


def test_migrate_status_undo_and_exit_codes(tmp_path: Path) -> None:
    from tests.test_pipeline import crm

    src = crm(tmp_path / "export")
    project = tmp_path / "project"
    # a phase before its turn is refused (3)
    first = _run("migrate", str(src), "--project", str(project), "--through", "contacts")
    assert first.returncode == 0, first.stderr
    assert "== Contacts (not active): completed" in first.stdout
    assert "contacts.csv: 7 read = 2 loaded + 1 rejected + 3 deferred + 1 merged" in first.stdout
    assert "Deals" not in first.stdout
    assert (project / "plan.json").exists()
    done = _run("migrate", str(src), "--project", str(project), "--json")
    assert done.returncode == 0, done.stderr
    assert "== Companies: already completed" in done.stdout
    status = _run("status", "--project", str(project), "--json")
    data = json.loads(status.stdout)
    assert [p["state"] for p in data["phases"]] == ["completed"] * 5
    refused = _run("undo", "contacts", "--project", str(project))
    assert refused.returncode == 3 and "--yes" in refused.stderr
    undone = _run("undo", "contacts", "--project", str(project), "--yes")
    assert undone.returncode == 0, undone.stderr
    assert "Warning" in undone.stdout
    text = _run("status", "--project", str(project)).stdout
    assert "== Contacts (not active): ready" in text and "== Companies: completed" in text
    assert "== Deals: pending" in text
    assert _run("undo", "nonsense", "--project", str(project)).returncode == 2
    assert _run("status", "--project", str(tmp_path / "nowhere")).returncode == 2


def test_migrate_refuses_unreadable_input_before_loading(tmp_path: Path) -> None:
    from tests.test_pipeline import crm

    src = crm(tmp_path / "export")
    result = _run("migrate", str(src), str(BAD / "corrupt.xlsx"), "--project", str(tmp_path / "p"))
    assert result.returncode == 2
    assert "Nothing was migrated" in result.stderr and "Traceback" not in result.stderr
    sandbox = tmp_path / "p" / "sandbox.db"
    if sandbox.exists():
        import sqlite3

        con = sqlite3.connect(sandbox)
        assert con.execute("SELECT COUNT(*) FROM companies").fetchone() == (0,)
        con.close()
