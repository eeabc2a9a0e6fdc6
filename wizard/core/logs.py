"""The log file: unexpected errors (with their details) and what the app did, in the open
project's folder (``wizard.log``), or in the app's own folder when no project is open. The
admin sees plain sentences; the log keeps the details for whoever helps them."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from wizard.core.paths import data_home, private

LOG_FILE = "wizard.log"
log = logging.getLogger("cutover_wizard")
_handler: RotatingFileHandler | None = None


def log_to(folder: Path | None = None) -> Path:
    """Write the log to ``folder`` (default: the app's data folder); returns the file."""
    global _handler
    folder = folder or data_home()
    path = folder / LOG_FILE
    if _handler is not None and Path(_handler.baseFilename) == path.resolve():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    private(folder)  # the log names files and rows of the customers' data
    handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=2, encoding="utf-8",
                                  delay=True)  # fmt: skip
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    if _handler is not None:
        log.removeHandler(_handler)
        _handler.close()
    _handler = handler
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return path


def log_file() -> Path | None:
    return Path(_handler.baseFilename) if _handler is not None else None


def close_log() -> None:
    global _handler
    if _handler is not None:
        log.removeHandler(_handler)
        _handler.close()
        _handler = None
