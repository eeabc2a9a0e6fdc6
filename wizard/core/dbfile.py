"""How every SQLite file of a project is opened (the ledger, the sandbox)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def connect(path: Path, cache_mb: int) -> sqlite3.Connection:
    """Autocommit mode (transactions are explicit), write-ahead log, and a commit that
    survives a killed process (``synchronous=NORMAL`` with WAL). ``cache_mb`` bounds memory;
    sorts bigger than it spill to temporary files. The wizard opens a project on the GUI thread
    and runs its phases in a worker thread, one job at a time (never two threads at once), so
    the connection may change threads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(f"PRAGMA cache_size=-{cache_mb * 1024}")
    return db
