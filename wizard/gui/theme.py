"""The app's look: a light and a dark palette, and the one stylesheet that uses them.

The stylesheet (``resources/style/cutover.qss``) holds spacing, the type scale, shapes and the
accent; its colours are ``@tokens`` filled from the palette in use, so both palettes share
every rule. Which palette: ``CUTOVER_THEME`` (``light`` or ``dark``) when set, else the
system's colour scheme (Qt 6.5+), else light; a change of the system's scheme while the app
runs is followed. Every text colour keeps a contrast of at least 4.5:1 on the backgrounds it
is drawn on, and borders and the focus ring at least 3:1 (WCAG 2.1, 1.4.3 and 1.4.11): a test
measures them.
"""

from __future__ import annotations

import os
import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from wizard.resources import resource

LIGHT = {
    "window": "#F4F6F8",
    "base": "#FFFFFF",
    "alt_base": "#F0F3F6",
    "header": "#E9EDF1",
    "text": "#1A1E23",
    "muted": "#4F5965",
    "disabled": "#8A939D",
    "button": "#FFFFFF",
    "pressed": "#E1E6EB",
    "border": "#838E9A",
    "border_soft": "#D5DBE1",
    "accent": "#0A6670",
    "accent_hover": "#085861",
    "accent_text": "#FFFFFF",
    "focus": "#0A7F8B",
    "highlight": "#CBEFF1",
    "highlight_text": "#0B1F22",
    "link": "#0A6670",
    "tooltip": "#1A1E23",
    "tooltip_text": "#FFFFFF",
}

DARK = {
    "window": "#1D2126",
    "base": "#15181C",
    "alt_base": "#1A1E23",
    "header": "#262B31",
    "text": "#E7EAEE",
    "muted": "#A7B0BA",
    "disabled": "#6C747D",
    "button": "#2A3037",
    "pressed": "#353C44",
    "border": "#6F7A86",
    "border_soft": "#333A42",
    "accent": "#2CE7EA",
    "accent_hover": "#66EEF0",
    "accent_text": "#0A1416",
    "focus": "#2CE7EA",
    "highlight": "#0E4C53",
    "highlight_text": "#FFFFFF",
    "link": "#6EF1F3",
    "tooltip": "#E7EAEE",
    "tooltip_text": "#15181C",
}

THEMES = {"light": LIGHT, "dark": DARK}

# (foreground, background, least contrast) that must hold in both palettes
TEXT_PAIRS = [(fg, bg, 4.5) for fg in ("text", "muted") for bg in
              ("window", "base", "alt_base", "header", "button")] + [
    ("accent_text", "accent", 4.5), ("accent_text", "accent_hover", 4.5),
    ("highlight_text", "highlight", 4.5), ("tooltip_text", "tooltip", 4.5),
    ("link", "base", 4.5), ("link", "window", 4.5), ("text", "pressed", 4.5),
    ("border", "base", 3.0), ("border", "window", 3.0),
    ("focus", "base", 3.0), ("focus", "window", 3.0),
]  # fmt: skip


def luminance(hex_colour: str) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour."""
    c = QColor(hex_colour)
    out = []
    for v in (c.redF(), c.greenF(), c.blueF()):
        out.append(v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4)
    r, g, b = out
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def chosen(app: QGuiApplication | None = None) -> str:
    """The palette to use: CUTOVER_THEME, else the system's colour scheme, else light."""
    forced = os.environ.get("CUTOVER_THEME", "").strip().lower()
    if forced in THEMES:
        return forced
    app = app or QGuiApplication.instance()
    hints = app.styleHints() if app is not None else None
    dark = (
        hints is not None
        and hasattr(hints, "colorScheme")
        and (hints.colorScheme() == Qt.ColorScheme.Dark)
    )
    return "dark" if dark else "light"


def palette(colours: dict[str, str]) -> QPalette:
    pal = QPalette()
    role = QPalette.ColorRole
    group = QPalette.ColorGroup
    c = {k: QColor(v) for k, v in colours.items()}
    for r, key in ((role.Window, "window"), (role.WindowText, "text"), (role.Base, "base"),
                   (role.AlternateBase, "alt_base"), (role.Text, "text"),
                   (role.Button, "button"), (role.ButtonText, "text"),
                   (role.Highlight, "highlight"), (role.HighlightedText, "highlight_text"),
                   (role.ToolTipBase, "tooltip"), (role.ToolTipText, "tooltip_text"),
                   (role.PlaceholderText, "muted"), (role.Link, "link"),
                   (role.LinkVisited, "link"), (role.BrightText, "accent"),
                   (role.Light, "base"), (role.Midlight, "border_soft"), (role.Mid, "border"),
                   (role.Dark, "border"), (role.Shadow, "text"), (role.Accent, "accent")):  # fmt: skip
        pal.setColor(r, c[key])
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(group.Disabled, r, c["disabled"])
    pal.setColor(group.Disabled, role.Highlight, c["border_soft"])
    return pal


def stylesheet(colours: dict[str, str]) -> str:
    """The stylesheet with its tokens filled (longest names first: @accent_text before
    @accent)."""
    text = resource("style", "cutover.qss").read_text(encoding="utf-8")
    names = sorted(colours, key=len, reverse=True)
    pattern = re.compile("@(" + "|".join(map(re.escape, names)) + r")\b")
    filled = pattern.sub(lambda m: colours[m.group(1)], text)
    left = re.findall(r"@[a-z_]+", re.sub(r"/\*.*?\*/", "", filled, flags=re.S))
    if left:
        raise ValueError(f"the stylesheet names colours no palette has: {sorted(set(left))}")
    return filled


def apply(app: QApplication, name: str | None = None) -> str:
    """Give the app its palette and stylesheet; returns the palette's name. Follows the
    system's scheme when it changes (unless CUTOVER_THEME or ``name`` fixed it)."""
    fixed = name is not None or "CUTOVER_THEME" in os.environ
    name = name or chosen(app)
    colours = THEMES[name]
    fusion = QStyleFactory.create("Fusion")  # draws from the palette alike on every system
    if fusion is not None:
        app.setStyle(fusion)
    app.setPalette(palette(colours))
    app.setStyleSheet(stylesheet(colours))
    app.setProperty("cutover_theme", name)
    hints = app.styleHints()
    if (
        not fixed
        and not getattr(app, "_cutover_follows", False)
        and hasattr(hints, "colorSchemeChanged")
    ):
        hints.colorSchemeChanged.connect(lambda _scheme: apply(app))
        app._cutover_follows = True  # type: ignore[attr-defined]
    return name
