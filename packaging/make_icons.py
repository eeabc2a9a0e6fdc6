"""Render the app icon (resources/icons/cutover-wizard.svg) to the PNG sizes desktops want,
with Qt's own SVG renderer, and to the .ico (Windows) and .icns (macOS) PyInstaller uses:
``python packaging/make_icons.py``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "cutover-wizard.svg"))
    for size in (32, 64, 128, 256, 512):
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        name = "cutover-wizard.png" if size == 256 else f"cutover-wizard-{size}.png"
        image.save(str(ICONS / name))
        print(ICONS / name)
    del app
    # Windows and macOS want their own containers: made from the 512 px rendering by Pillow
    from PIL import Image

    big = Image.open(ICONS / "cutover-wizard-512.png")
    big.save(ICONS / "cutover-wizard.ico", sizes=[(16, 16), (32, 32), (48, 48), (64, 64),
                                                  (128, 128), (256, 256)])  # fmt: skip
    big.save(ICONS / "cutover-wizard.icns")
    print(ICONS / "cutover-wizard.ico", ICONS / "cutover-wizard.icns")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
