"""The look: both palettes keep their text readable (WCAG contrast, measured), the one
stylesheet fills every colour from the palette in use, and the wizard takes it."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from wizard.gui import theme


@pytest.mark.parametrize("name", sorted(theme.THEMES))
def test_every_text_colour_is_readable_on_its_background(name: str) -> None:
    colours = theme.THEMES[name]
    low = [(fg, bg, round(theme.contrast(colours[fg], colours[bg]), 2), need)
           for fg, bg, need in theme.TEXT_PAIRS
           if theme.contrast(colours[fg], colours[bg]) < need]  # fmt: skip
    assert low == []


def test_contrast_is_the_wcag_ratio() -> None:
    assert theme.contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert theme.contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    assert theme.contrast("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)


def test_the_stylesheet_takes_every_colour_from_the_palette() -> None:
    import re

    light, dark = (theme.stylesheet(theme.THEMES[n]) for n in ("light", "dark"))
    rules = [re.sub(r"/\*.*?\*/", "", text, flags=re.S) for text in (light, dark)]
    assert all("@" not in r for r in rules)  # every token filled
    assert theme.LIGHT["accent"] in light and theme.DARK["accent"] in dark
    # the same rules in both: only the colours differ
    hexes = re.compile(r"#[0-9A-Fa-f]{6}")
    assert hexes.sub("#", rules[0]) == hexes.sub("#", rules[1])
    with pytest.raises(ValueError, match="no palette has"):
        theme.stylesheet({k: v for k, v in theme.LIGHT.items() if k != "accent_text"})


def test_the_theme_is_chosen_by_the_setting_then_the_system(monkeypatch, qapp) -> None:
    monkeypatch.setenv("CUTOVER_THEME", "dark")
    assert theme.chosen(qapp) == "dark"
    monkeypatch.setenv("CUTOVER_THEME", "light")
    assert theme.chosen(qapp) == "light"
    monkeypatch.delenv("CUTOVER_THEME")
    assert theme.chosen(qapp) in ("light", "dark")  # the system's (offscreen: none, light)


@pytest.mark.parametrize("name", ["light", "dark"])
def test_the_wizard_wears_the_palette_and_names_its_header(qtbot, qapp, name: str) -> None:
    from tests.conftest import new_wizard

    before = (qapp.palette(), qapp.styleSheet(), qapp.style().name())
    try:
        assert theme.apply(qapp, name) == name
        w = new_wizard(qtbot)
        pal = w.palette()
        colours = theme.THEMES[name]
        assert pal.color(QPalette.ColorRole.Window).name().upper() == colours["window"]
        assert pal.color(QPalette.ColorRole.Text).name().upper() == colours["text"]
        assert qapp.styleSheet() == theme.stylesheet(colours)
        from PySide6.QtWidgets import QLabel

        title = w.findChild(QLabel, "wizardTitle")
        assert title is not None and title.text() == w.currentPage().title()
        assert title.font().pointSizeF() > QApplication.font().pointSizeF()  # the type scale
        w.close()
    finally:
        qapp.setPalette(before[0])
        qapp.setStyleSheet(before[1])
        qapp.setStyle(before[2])
