"""The real console under Xvfb, read through AT-SPI as Orca reads it (tests/e2e/atspi_walker.py).

Needs Xvfb, a D-Bus session bus, at-spi2-core and the system Python's pyatspi (scripts/setup installs
them); the walker runs in that Python, the console in this one, each as its own process.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SYSTEM_PYTHON = "/usr/bin/python3"
WALKER = Path(__file__).with_name("atspi_walker.py")


def _has_pyatspi() -> bool:
    if not Path(SYSTEM_PYTHON).exists():
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True).returncode == 0


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which("Xvfb") and shutil.which("dbus-daemon") and _has_pyatspi()),
        reason="needs Xvfb, dbus-daemon and python3-pyatspi (scripts/setup installs them)",
    ),
]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def desktop(tmp_path) -> Iterator[dict[str, str]]:
    """An X display and a session bus of their own; the accessibility bus starts on demand on it."""
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        display = pipe.readline().strip()
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {
        **os.environ,
        "DISPLAY": f":{display}",
        "XDG_RUNTIME_DIR": str(runtime),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    # The bus gets DISPLAY too: the accessibility registry it starts generates the walker's key presses there.
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"], env=env, stdout=subprocess.PIPE, text=True
    )
    assert bus.stdout is not None
    env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().strip()
    try:
        yield env
    finally:
        # The accessibility bus launcher and registry are the session bus's children: they end with it.
        children = subprocess.run(["pgrep", "-P", str(bus.pid)], capture_output=True, text=True).stdout.split()
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGTERM)
        _stop(bus)
        _stop(xvfb)


def test_a_screen_reader_finds_every_control_named_the_queue_readable_and_hears_a_refusal(desktop, tmp_path):
    env = {
        **desktop,
        "QT_QPA_PLATFORM": "xcb",
        "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1",  # as when Orca runs: Qt registers on the accessibility bus
        "QTWEBENGINE_DISABLE_SANDBOX": "1",
        "QTWEBENGINE_CHROMIUM_FLAGS": "--no-sandbox --disable-gpu",
        "QT_OPENGL": "software",
    }
    console = subprocess.Popen(
        [sys.executable, "-m", "console", "run", "--demo", "--db", f"sqlite:///{tmp_path / 'cso.sqlite3'}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "console.log", "w"),  # noqa: SIM115 - closed with the process
    )
    try:
        walked = subprocess.run([SYSTEM_PYTHON, str(WALKER)], env=env, capture_output=True, text=True, timeout=300)
    finally:
        _stop(console)
    assert walked.returncode == 0, walked.stderr + walked.stdout
    (tmp_path / "walked.json").write_text(walked.stdout)
    found = json.loads(walked.stdout)

    # The window is named by its title; every focusable control has a name or a label.
    assert found["frame"].startswith("CSO Console — West Hollywood")
    assert found["focusable"] >= 20
    assert found["unnamed_focusable"] == []
    # The queue's first row reads as text, status included (not only its colour).
    row = dict(zip(found["queue_headers"], found["queue_row"], strict=True))
    assert row["Incident"].startswith("2026-") and row["Status"].startswith("Status ")
    assert row["Pri"].startswith("Priority ")
    # The map's markers are buttons named as a dispatcher would say them.
    assert any(m.startswith("Incident 2026-") and ", priority " in m for m in found["map_markers"])
    assert any(m.startswith("Unit CSO") for m in found["map_markers"])
    # Status bar labels carry what they show.
    assert "Connection: connected" in found["status_bar"]
    # F2 opened the intake; its fields are named (combo boxes through their label).
    fields = found["intake_fields"]
    assert "text:Call type" in fields and "text:Location" in fields and "text:Callback number" in fields
    assert any(key.startswith("combo box:") and labels == ["Priority"] for key, labels in fields.items())
    # A refused command is announced, assertively (AT-SPI object:announcement, politeness 2).
    assert ["No unit '99'.", 2] in found["announcements"]
