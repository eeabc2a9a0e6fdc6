"""Where the app keeps its projects: the platformdirs user data folder, or the folder named by
the ``CUTOVER_WIZARD_HOME`` environment variable (tests always set it)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from platformdirs import user_data_dir


def data_home() -> Path:
    override = os.environ.get("CUTOVER_WIZARD_HOME")
    return Path(override) if override else Path(user_data_dir("cutover-wizard", appauthor=False))


def projects_dir() -> Path:
    return data_home() / "projects"


def private(path: Path) -> Path:
    """Only this user may read or write it: the project's files hold the customers' data
    (a folder gets 0700, a file 0600). Nothing happens where permissions mean nothing."""
    if os.name == "posix":
        # a file another user owns, or a file system without permissions: left as it is
        with contextlib.suppress(OSError):
            os.chmod(path, 0o700 if path.is_dir() else 0o600)
    return path
