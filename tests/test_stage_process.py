"""Staging in a process of its own (``Migration.stage(process=True)``): the same result as in
the calling thread, a stop and a killed process leave nothing a second check cannot finish,
and its errors come back in the same words."""

from __future__ import annotations

import csv
import multiprocessing
import os
import signal
import threading
from pathlib import Path

import pytest

from tests.test_pipeline import crm
from wizard.core import stage_process
from wizard.core.errors import CutoverError, SourceError
from wizard.core.migration import Migration
from wizard.core.sources import open_source
from wizard.core.staging import Staged, StageProgress


def run(mig: Migration, inputs: list[Path], **kw) -> tuple[list[StageProgress], Staged | None]:
    progress, staged = [], None
    for item in mig.stage(mig.prepare(inputs), **kw):
        if isinstance(item, Staged):
            staged = item
        else:
            progress.append(item)
    return progress, staged


def ledger_state(mig: Migration) -> dict[str, list[tuple]]:
    db = mig.ledger.db
    out = {}
    for entity in ("company", "contact", "deal", "activity"):
        out[entity] = sorted(db.execute(
            f"SELECT fid, row, key, hash, reason, note, phase, vr, vk FROM stage_{entity}"))  # fmt: skip
    out["files"] = sorted(db.execute("SELECT path, entity, rows_read, complete FROM files"))
    out["findings"] = sorted(db.execute("SELECT fid, rule, severity, n FROM finding_counts"))
    out["running"] = list(db.execute("SELECT action FROM runs WHERE outcome IS NULL"))
    return out


def open_runs(mig: Migration) -> int:
    """Runs of the journal that never ended (a killed process leaves one)."""
    return mig.ledger.db.execute("SELECT COUNT(*) FROM runs WHERE outcome IS NULL").fetchone()[0]


def staged_fresh(folder: Path, src: Path) -> dict[str, list[tuple]]:
    """What a check in the calling thread, in a project of its own, leaves in the ledger."""
    with Migration(folder) as fresh:
        run(fresh, [src])
        return ledger_state(fresh)


def many_contacts(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "contacts.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Contact ID", "First Name", "Last Name", "Email", "Phone"])
        for i in range(n):
            email = f"p{i}@example.com" if i % 50 else "not an email"
            w.writerow([f"C{i}", f"First{i}", f"Last{i}", email, f"+1 212 555 {i % 10000:04d}"])
    return path


def test_a_process_stages_what_the_thread_stages(tmp_path: Path) -> None:
    src = crm(tmp_path / "export")
    with Migration(tmp_path / "here") as here, Migration(tmp_path / "apart") as apart:
        _, in_thread = run(here, [src])
        progress, in_process = run(apart, [src], process=True)
        assert in_thread is not None and in_process is not None
        assert progress and all(isinstance(p, StageProgress) for p in progress)
        assert in_process.files == in_thread.files
        assert in_process.findings.counts == in_thread.findings.counts
        assert in_process.findings.items == in_thread.findings.items
        assert (in_process.orphans, in_process.links, in_process.duplicates) == (
            in_thread.orphans, in_thread.links, in_thread.duplicates)  # fmt: skip
        assert in_process.deleted == in_thread.deleted
        assert ledger_state(apart) == ledger_state(here)
        # then the phases load from what the process staged, as from the thread's
        loaded_here = {r.phase: r.accounting for r in here.migrate([src])}
        loaded_apart = {r.phase: r.accounting for r in apart.migrate([src])}
        assert loaded_apart == loaded_here


def test_auto_keeps_small_checks_in_the_thread(tmp_path: Path, monkeypatch) -> None:
    src = crm(tmp_path / "export")
    started = []
    real = stage_process.stage_apart
    monkeypatch.setattr(stage_process, "stage_apart",
                        lambda *a, **k: (started.append(1), (yield from real(*a, **k)))[1])  # fmt: skip
    with Migration(tmp_path / "p") as mig:
        prepared = mig.prepare([src])
        assert stage_process.to_read_again(prepared.plan, prepared.sources, mig.ledger) > 0
        run(mig, [src], process=None)
        assert started == []  # a few hundred bytes: not worth a second of start-up
        monkeypatch.setattr(stage_process, "PROCESS_BYTES", 1)
        (src / "contacts.csv").write_text((src / "contacts.csv").read_text() + "C9,Al,Bo,,,,,\n")
        _, staged = run(mig, [src], process=None)
        assert started == [1] and staged is not None
        prepared = mig.prepare([src])
        # what is staged and complete is not read again
        assert stage_process.to_read_again(prepared.plan, prepared.sources, mig.ledger) == 0


def test_a_stopped_process_leaves_what_the_next_check_finishes(tmp_path: Path) -> None:
    src = many_contacts(tmp_path / "export", 110_000)  # three chunks
    want = staged_fresh(tmp_path / "fresh", src)
    with Migration(tmp_path / "p") as mig:
        # asked to stop before it starts: the process stages one chunk and stops there
        progress, staged = run(mig, [src], process=True, should_stop=lambda: True)
        assert staged is None and [p.rows_done for p in progress] == [50_000]
        assert mig.ledger.db.execute("SELECT complete FROM files").fetchall() == [(0,)]
        assert mig.ledger.db.execute(
            "SELECT outcome FROM runs WHERE action='stage'"
        ).fetchall() == [("stopped",)]
        _, staged = run(mig, [src], process=True)
        assert staged is not None and staged.files[0].rows_read == 110_000
        assert ledger_state(mig) == want


def test_a_killed_process_is_said_and_the_next_check_finishes(tmp_path: Path) -> None:
    src = many_contacts(tmp_path / "export", 110_000)
    want = staged_fresh(tmp_path / "fresh", src)
    with Migration(tmp_path / "p") as mig:
        items = mig.stage(mig.prepare([src]), process=True)
        first = next(items)  # the first chunk is staged; two are left
        assert isinstance(first, StageProgress)
        (child,) = multiprocessing.active_children()
        os.kill(child.pid, signal.SIGKILL)
        with pytest.raises(CutoverError, match="stopped unexpectedly") as said:
            for _ in items:
                pass
        assert "check again" in said.value.hint
        assert not multiprocessing.active_children()
        # its run does not stay "running" in the journal
        assert open_runs(mig) == 0
        _, staged = run(mig, [src], process=True)
        assert staged is not None and staged.files[0].rows_read == 110_000
        assert ledger_state(mig) == want


def test_closing_the_generator_ends_the_process(tmp_path: Path) -> None:
    src = many_contacts(tmp_path / "export", 110_000)
    with Migration(tmp_path / "p") as mig:
        items = mig.stage(mig.prepare([src]), process=True)
        assert isinstance(next(items), StageProgress)
        items.close()  # as the worker does when the window closes
        assert not multiprocessing.active_children()
        assert open_runs(mig) == 0


def test_a_file_gone_before_the_check_is_said_plainly(tmp_path: Path) -> None:
    src = crm(tmp_path / "export")
    with Migration(tmp_path / "apart") as apart:
        prepared = apart.prepare([src])
        (src / "deals.csv").unlink()  # gone between the reading and the check
        with pytest.raises(SourceError) as in_process:
            list(apart.stage(prepared, process=True))
        assert in_process.value.message == f"There is no file at {src / 'deals.csv'}."
        assert "pick the file" in in_process.value.hint
        assert not multiprocessing.active_children()


def test_a_source_error_in_the_process_keeps_its_kind(tmp_path: Path) -> None:
    src = crm(tmp_path / "export")
    with Migration(tmp_path / "apart") as apart:
        prepared = apart.prepare([src])
        (src / "deals.csv").write_bytes(b"")  # emptied between the reading and the check
        with pytest.raises(SourceError) as in_process:
            list(apart.stage(prepared, process=True))
        with pytest.raises(SourceError) as direct:
            open_source(src / "deals.csv")
        assert (in_process.value.message, in_process.value.hint) == (direct.value.message,
                                                                     direct.value.hint)  # fmt: skip


def test_what_nobody_foresaw_comes_back_with_the_process_traceback(tmp_path: Path) -> None:
    """The child's own code, run here: an error that is no CutoverError is sent back whole."""
    receive, send = multiprocessing.Pipe(duplex=False)
    with Migration(tmp_path / "p") as mig:
        plan = mig.prepare([crm(tmp_path / "export")]).plan
    stage_process._child(send, str(tmp_path / "ledger.db"), plan.to_dict(),
                         {("x", None): (123, None)}, threading.Event())  # fmt: skip
    kind, payload = receive.recv()
    error = stage_process._error(kind, payload)
    assert isinstance(error, stage_process.StagingFailed)
    assert str(error).startswith("TypeError:")
    assert "Traceback" in error.details and "open_source" in error.details
