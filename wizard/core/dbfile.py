"""How every SQLite file of a project is opened (the ledger, the sandbox)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from wizard.core.paths import private


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A project file opened only to read it (``status``, ``report``), so a project in a folder
    this user may not write still opens. Another process may be writing to it: read through
    SQLite's locks when the folder allows it, else as an unchanging file."""
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as exc:
        if "readonly" not in str(exc) and "unable to open" not in str(exc):
            raise
    return sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None,
                           check_same_thread=False)  # fmt: skip


def connect(path: Path, cache_mb: int) -> sqlite3.Connection:
    """Autocommit mode (transactions are explicit), write-ahead log, and a commit that
    survives a killed process (``synchronous=NORMAL`` with WAL). ``cache_mb`` bounds memory;
    sorts bigger than it spill to temporary files. The wizard opens a project on the GUI thread
    and runs its phases in a worker thread, one job at a time (never two threads at once), so
    the connection may change threads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    private(path)  # its -wal and -shm files take the same permissions
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(f"PRAGMA cache_size=-{cache_mb * 1024}")
    return db
