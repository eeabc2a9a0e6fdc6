"""Icons on the buttons that do the work (run, stop, check, save...), from qtawesome's Material
Design set, drawn in the palette's button text colour so they keep their contrast in the light
and the dark palette. An icon that cannot be made leaves the button as it was (text only)."""

from __future__ import annotations

from PySide6.QtGui import QIcon, QPalette
from PySide6.QtWidgets import QAbstractButton, QApplication

from wizard.core.logs import log

NAMES = {
    "run": "mdi6.play",
    "stop": "mdi6.stop",
    "undo": "mdi6.undo",
    "redo": "mdi6.redo",
    "undo_phase": "mdi6.backup-restore",
    "check": "mdi6.check-all",
    "recheck": "mdi6.refresh",
    "save": "mdi6.content-save-outline",
    "open": "mdi6.folder-open-outline",
    "add_file": "mdi6.file-plus-outline",
    "add_folder": "mdi6.folder-plus-outline",
    "connect": "mdi6.cloud-download-outline",
    "load": "mdi6.file-upload-outline",
    "export": "mdi6.table-arrow-right",
    "demo": "mdi6.flask-outline",
    "resume": "mdi6.play-circle-outline",
    "sign": "mdi6.draw-pen",
}


def icon(name: str) -> QIcon:
    app = QApplication.instance()
    if app is None or name not in NAMES:
        return QIcon()
    pal = app.palette()  # type: ignore[attr-defined]
    try:
        import qtawesome

        return qtawesome.icon(
            NAMES[name],
            color=pal.color(QPalette.ColorRole.ButtonText),
            color_disabled=pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText),
        )
    except Exception as exc:
        log.info("no icon %s: %s", name, exc)
        return QIcon()


def decorate(button: QAbstractButton, name: str) -> QAbstractButton:
    button.setIcon(icon(name))
    return button
