"""``project.json``: where the admin is in the method (pages, rehearsal, the testing buffer, QA,
sign-off, checklists, overrides), saved so the project picks up exactly where it was days later.

Every save is atomic: the new content goes to a temporary file that is flushed to disk, the
current file becomes the last good copy (``project.json.bak``), and the temporary file takes
its name. A file that is damaged or half-written (a crash, a full disk, an editor) falls back
to the last good copy, and :attr:`ProjectStore.notice` says so in plain words. Older layouts
(``schema_version``) are upgraded when read.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from wizard.core.clock import SYSTEM, Clock

PROJECT_FILE = "project.json"
SCHEMA_VERSION = 2
DEFAULT_BUFFER_DAYS = 30
DEFAULT_SAMPLE = 500


@dataclass
class ProjectState:
    name: str = ""
    created: str = ""
    method: str = "integration_sync"
    buffer_days: int = DEFAULT_BUFFER_DAYS
    sample_size: int = DEFAULT_SAMPLE
    mock_completed: str | None = None  # the sample rehearsal
    rehearsal_completed: str | None = None  # the full sandbox rehearsal: the buffer starts
    page: int = 0  # the wizard page the admin was on
    phase: str | None = None  # and the phase, on a phase page
    environment: str = "sandbox"
    checklist: dict[str, dict[str, Any]] = field(default_factory=dict)  # item -> decision
    spot_checks: list[dict[str, Any]] = field(default_factory=list)
    signoff: dict[str, str] | None = None  # {"by": name, "at": iso time}
    precutover: dict[str, dict[str, str]] = field(default_factory=dict)  # item -> by, at
    postload: dict[str, dict[str, str]] = field(default_factory=dict)
    overrides: list[dict[str, str]] = field(default_factory=list)  # gate, reason, by, at
    delta_checked: str | None = None
    tester: str = ""  # the name last typed on the checkpoint pages
    # where the live cutover goes: {} for the local stand-in, or {"kind": "postgres", "dsn":
    # ..., "schema": ...}; never a password (that stays in PGPASSWORD, ~/.pgpass or the keyring)
    live_target: dict[str, str] = field(default_factory=dict)
    rehearsal_files: dict[str, dict[str, Any]] = field(
        default_factory=dict
    )  # label -> columns, rows

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProjectState:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 (the first draft of this file) kept the wizard's place as one
    ``last_page`` string ('phase:contacts' or a page number) and the buffer as
    ``buffer: {"days": .., "started": ..}``; QA lived in ``qa: {"items", "signed_by",
    "signed_at"}``."""
    out = dict(data)
    last = str(out.pop("last_page", "0"))
    if last.startswith("phase:"):
        out["phase"] = last.split(":", 1)[1]
        out["page"] = 10
    else:
        out["page"] = int(last) if last.isdigit() else 0
    buffer = out.pop("buffer", {}) or {}
    out["buffer_days"] = int(buffer.get("days", DEFAULT_BUFFER_DAYS))
    out["rehearsal_completed"] = buffer.get("started")
    qa = out.pop("qa", {}) or {}
    out["checklist"] = dict(qa.get("items", {}))
    if qa.get("signed_by"):
        out["signoff"] = {"by": qa["signed_by"], "at": qa.get("signed_at", "")}
    out["schema_version"] = 2
    return out


MIGRATIONS = {1: _v1_to_v2}


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    version = int(data.get("schema_version", 1))
    if version > SCHEMA_VERSION:
        raise ValueError(f"made by a newer Cutover Wizard (project format {version})")
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version = int(data["schema_version"])
    return data


class ProjectStore:
    """Reads and saves one project's ``project.json``."""

    def __init__(self, folder: Path, clock: Clock = SYSTEM) -> None:
        self.folder = Path(folder)
        self.path = self.folder / PROJECT_FILE
        self.backup = self.folder / (PROJECT_FILE + ".bak")
        self.clock = clock
        self.notice = ""  # what the admin should know about how the file was read
        self.upgraded_from: int | None = None

    def _read(self, path: Path) -> ProjectState:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a project file")
        version = int(data.get("schema_version", 1))
        if version < SCHEMA_VERSION:
            self.upgraded_from = version
        return ProjectState.from_dict(upgrade(data))

    def load(self) -> ProjectState:
        self.notice, self.upgraded_from = "", None
        for leftover in self.folder.glob(".project-*.tmp"):  # a save that was killed
            with contextlib.suppress(OSError):  # a folder this user may only read
                leftover.unlink(missing_ok=True)
        if not self.path.exists() and not self.backup.exists():
            return self.new()
        try:
            return self._read(self.path)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            damage = exc
        try:
            state = self._read(self.backup)
        except (OSError, ValueError, TypeError, KeyError):
            self.notice = (f"The project file could not be read ({_why(damage)}) and there "
                           "is no good copy of it: the project's settings start afresh. Your "
                           "data, plan and ledger are untouched.")  # fmt: skip
            return self.new()
        when = datetime.fromtimestamp(self.backup.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        self.notice = (f"The project file was damaged or only half written ({_why(damage)}); "
                       f"the last good copy, saved {when}, was used instead.")  # fmt: skip
        return state

    def new(self) -> ProjectState:
        return ProjectState(name=self.folder.name, created=self.clock.now().isoformat())

    def save(self, state: ProjectState) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(state.to_dict(), indent=2, ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(prefix=".project-", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            if self.path.exists() and self._valid(self.path):
                os.replace(self.path, self.backup)  # the last good copy
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(self.folder)

    def _valid(self, path: Path) -> bool:
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return True


def _why(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "it is missing"
    if isinstance(exc, json.JSONDecodeError):
        return "it is cut short or not valid"
    return str(exc) or exc.__class__.__name__


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
