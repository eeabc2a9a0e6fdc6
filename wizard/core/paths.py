"""Where the app keeps its projects: the platformdirs user data folder, or the folder named by
the ``CUTOVER_WIZARD_HOME`` environment variable (tests always set it)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir


def data_home() -> Path:
    override = os.environ.get("CUTOVER_WIZARD_HOME")
    return Path(override) if override else Path(user_data_dir("cutover-wizard", appauthor=False))


def projects_dir() -> Path:
    return data_home() / "projects"
