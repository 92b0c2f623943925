"""PySide6 6.12.0 on CPython 3.11 aborts after ~5,000 calls of void Qt methods; ours must not."""

from __future__ import annotations

import os
import subprocess
import sys

import PySide6
from PySide6.QtWidgets import QLabel

CHILD = """
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
for n in range(20_000):
    label.setText(str(n))
    app.processEvents()
print(label.text())
"""


def test_twenty_thousand_void_calls_do_not_abort_the_process():
    # In a child process: the bug kills the interpreter (Fatal Python error: none_dealloc).
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "19999"


def test_pinned_pyside_version_matches_the_interpreter(qapp):
    major, minor, *_ = (int(p) for p in PySide6.__version__.split(".")[:2])
    if sys.version_info < (3, 12):
        assert (major, minor) == (6, 11), f"PySide6 {PySide6.__version__} aborts on CPython 3.11; pin 6.11.x"
    label = QLabel()
    for n in range(20_000):
        label.setText(str(n))
    assert label.text() == "19999"
