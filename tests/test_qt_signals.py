"""PySide6 6.12.0 on Python 3.11 aborts after ~600 Signal.emit() calls (bool_dealloc).

pyproject.toml excludes that release; this test would crash the run if it slipped back in.
"""

from __future__ import annotations

import pytest

QtCore = pytest.importorskip("PySide6.QtCore")


class _Emitter(QtCore.QObject):
    ticked = QtCore.Signal(int)


class _Counter(QtCore.QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    @QtCore.Slot(int)
    def on_tick(self, _value: int) -> None:
        self.count += 1


def test_ten_thousand_signal_emits(qapp) -> None:
    emitter, counter = _Emitter(), _Counter()
    emitter.ticked.connect(counter.on_tick)
    for i in range(10_000):
        emitter.ticked.emit(i)
    assert counter.count == 10_000
