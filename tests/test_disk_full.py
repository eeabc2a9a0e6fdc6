"""A full disk in the middle of a run, then room made: the run resumes and ends identical to
an uninterrupted one (issue 14). The project lives on a small tmpfs mounted for the test, so it
needs root (as CI has); elsewhere it is skipped with the reason."""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from wizard.cli import main


def _export(folder: Path) -> Path:
    folder.mkdir(parents=True)
    with (folder / "companies.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Company ID", "Company Name", "Website", "Notes"])
        w.writerows([f"A{i}", f"Company {i}", f"c{i}.example.com", "x" * 200] for i in range(4000))
    with (folder / "contacts.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Contact ID", "First Name", "Last Name", "Email", "Company ID", "Notes"])
        first, last = ["Ann", "Bob", "Cy", "Dee", "Eve"], ["Lee", "Roy", "Diaz", "Kim"]
        w.writerows([f"C{i}", first[i % 5], last[i % 4], f"p{i}@c{i % 4000}.example.com",
                     f"A{i % 4000}", "y" * 300] for i in range(16000))  # fmt: skip
    return folder


def _content(project: Path) -> dict[str, list[tuple]]:
    """What the sandbox holds and the ledger decided, without the ids of this run."""
    out = {}
    db = sqlite3.connect(project / "sandbox.db")
    try:
        out["companies"] = db.execute("SELECT source_id, name, website, properties FROM "
                                      "companies ORDER BY source_id").fetchall()  # fmt: skip
        out["contacts"] = db.execute(
            "SELECT p.source_id, p.first_name, p.email, c.source_id, p.properties FROM contacts "
            "p LEFT JOIN companies c ON c.id = p.company_id ORDER BY p.source_id").fetchall()  # fmt: skip
    finally:
        db.close()
    led = sqlite3.connect(project / "ledger.db")
    try:
        out["outcomes"] = led.execute("SELECT entity, outcome, COUNT(*) FROM outcomes GROUP BY "
                                      "1, 2 ORDER BY 1, 2").fetchall()  # fmt: skip
        out["phases"] = led.execute("SELECT name, state FROM phases ORDER BY name").fetchall()
    finally:
        led.close()
    return out


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def small_disk(tmp_path: Path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("A full disk is made with a small tmpfs, which needs root (CI runs as root).")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                          capture_output=True, text=True)  # fmt: skip
    if made.returncode != 0:
        pytest.skip(f"This machine does not allow mounting a tmpfs: {made.stderr.strip()}")

    def resize(megabytes: int) -> None:
        subprocess.run(["mount", "-o", f"remount,size={megabytes}m", str(mount)], check=True)

    yield mount, resize
    with contextlib.suppress(Exception):
        subprocess.run(["umount", "-l", str(mount)], check=False)


# measured: the disk fills while reading the files (0.3), as the first phase starts (0.85) and
# between the phases (0.95)
@pytest.mark.parametrize("full_at", [0.3, 0.85, 0.95])
def test_a_full_disk_mid_run_then_room_resumes_identical(
    tmp_path: Path, small_disk, capsys, full_at: float
) -> None:
    mount, resize = small_disk
    export = _export(tmp_path / "export")
    reference = tmp_path / "reference"
    assert main(["migrate", str(export), "--project", str(reference), "--batch-rows", "2000"]) == 0
    need = _size(reference) // (1 << 20) + 1
    resize(max(1, int(need * full_at)))  # the disk fills part of the way through the run
    project = mount / "p"
    capsys.readouterr()
    code = main(["migrate", str(export), "--project", str(project), "--batch-rows", "2000"])
    said = capsys.readouterr()
    assert code == 2, said.out[-800:] + said.err[-800:]
    assert "The disk is full" in said.err and "nothing was lost" in said.err
    assert "Something unexpected" not in said.err + said.out
    resize(need * 3)  # room made
    assert main(["migrate", str(export), "--project", str(project), "--batch-rows", "2000"]) == 0
    assert _content(project) == _content(reference)
    assert main(["status", "--project", str(project)]) == 0
    assert "reconciliation differs" not in capsys.readouterr().out
