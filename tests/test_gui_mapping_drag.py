"""The field mapping made by a real mouse drag (Qt's offscreen platform has no drag and drop,
so this runs ``tests/xcb_drag.py`` on Xvfb, which ``.ci/run`` installs)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_pipeline import crm

ROOT = Path(__file__).resolve().parent.parent


def test_a_column_dragged_with_the_mouse_maps_the_field(tmp_path: Path) -> None:
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed (apt-get install xvfb xauth); .ci/run installs "
                    "it, and this test drags with a real mouse on it")  # fmt: skip
    export = crm(tmp_path / "export")
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", CUTOVER_WIZARD_HOME=str(tmp_path / "home"))
    done = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable,
         str(ROOT / "tests" / "xcb_drag.py"), str(export), str(tmp_path / "project")],
        capture_output=True, text=True, env=env, timeout=120, cwd=ROOT,
    )  # fmt: skip
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no result: {done.stdout}\n{done.stderr}"
    assert json.loads(lines[-1]) == {"title": ["Shoe Size"], "dirty": True}
    assert done.returncode == 0
