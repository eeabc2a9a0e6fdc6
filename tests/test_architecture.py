"""The core must never import Qt or the GUI: it runs headless (CLI, tests, servers)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "wizard" / "core"
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "wizard.gui")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_core_sources_import_no_qt() -> None:
    offenders = [
        f"{path.relative_to(CORE)}: {name}"
        for path in CORE.rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN or name.startswith("wizard.gui")
    ]
    assert offenders == []


def test_importing_the_core_loads_no_qt_module() -> None:
    code = (
        "import sys, pkgutil, importlib, wizard.core\n"
        "for m in pkgutil.walk_packages(wizard.core.__path__, 'wizard.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'wizard.gui'))]\n"
        "print(bad); raise SystemExit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
