"""Build the stand-alone folder app with PyInstaller: ``python packaging/build.py``.

Installs PyInstaller if it is missing, builds ``dist/cutover-wizard/`` from
``packaging/cutover-wizard.spec``, and prints its size. The same command builds on Windows and
macOS (PyInstaller does not cross-compile: build on each system)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def build() -> Path:
    if shutil.which("pyinstaller") is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pyinstaller>=6.3"],
                       check=True)  # fmt: skip
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
                    "--distpath", str(ROOT / "dist"), "--workpath", str(ROOT / "build"),
                    str(ROOT / "packaging" / "cutover-wizard.spec")], check=True, cwd=ROOT)  # fmt: skip
    out = ROOT / "dist" / "cutover-wizard"
    print(f"built {out} in {time.perf_counter() - start:.0f} s: "
          f"{folder_size(out) / 1024**2:.0f} MB")  # fmt: skip
    return out


if __name__ == "__main__":
    build()
