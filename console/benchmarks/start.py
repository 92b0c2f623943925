"""Start-up benchmark: `cso-console run` on an existing demo database, each run in a fresh process.

- ``window_ready_s``: process start → the main window shown with the queue and board filled.
- ``start_to_usable_s``: process start → the map drawn with its layers and markers.
- ``bare_webengine_s``: process start → a bare PySide6 + QtWebEngine window that loaded a small local
  page, in the same run, so the ratio says what the console adds on this machine at this moment.

The console runs through its real entry point (`python -m console run --db FILE`); the environment
variable `CSO_START_PROBE` makes it write the two moments to a file and close (console.start_probe).
A first run, not counted, builds the map page into the scratch cache as any first start does.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

RUNS = 5
TIMEOUT_S = 180
STARTED_ENV = "CSO_BENCH_STARTED_AT"  # the parent's time.time() just before it starts the child
PROBE_ENV = "CSO_START_PROBE"


def _options(args: argparse.Namespace | Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m console.benchmarks.start", description=__doc__)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--bare-child", metavar="HTML", help=argparse.SUPPRESS)
    if isinstance(args, argparse.Namespace):
        defaults = vars(parser.parse_args([]))
        return argparse.Namespace(**{k: getattr(args, k, None) or v for k, v in defaults.items()})
    return parser.parse_args(list(args) if args is not None else [])


def _env(scratch: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    # Settings, the map cache and the data folder of a user of its own: nothing of the real user's is read.
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        env[name] = str(scratch / name.lower())
    env.pop("CSO_DATABASE_URL", None)
    return env


def _console_once(db_path: Path, env: dict[str, str], probe: Path) -> dict[str, float]:
    probe.unlink(missing_ok=True)
    child_env = {**env, PROBE_ENV: str(probe), STARTED_ENV: repr(time.time())}
    done = subprocess.run(
        [sys.executable, "-m", "console", "run", "--db", str(db_path)],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    if done.returncode != 0 or not probe.exists():
        raise RuntimeError(f"start benchmark: the console did not report (rc {done.returncode}): {done.stderr[-2000:]}")
    return json.loads(probe.read_text(encoding="utf-8"))


def _bare_once(html: Path, env: dict[str, str]) -> float:
    child_env = {**env, STARTED_ENV: repr(time.time())}
    done = subprocess.run(
        [sys.executable, "-m", "console.benchmarks.start", "--bare-child", str(html)],
        env=child_env,
        capture_output=True,
        text=True,
        check=True,
        timeout=TIMEOUT_S,
    )
    return float(json.loads(done.stdout.strip().splitlines()[-1])["bare_webengine_s"])


def _bare_child(html: str) -> None:
    """A bare PySide6 + QtWebEngine window loading a small local page: the floor for the console."""
    started = float(os.environ[STARTED_ENV])
    from PySide6.QtCore import QCoreApplication, Qt, QUrl
    from PySide6.QtWebEngineWidgets import QWebEngineView
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication(sys.argv[:1])
    view = QWebEngineView()
    result: dict[str, float] = {}

    def finished(ok: bool) -> None:
        result["bare_webengine_s"] = round(time.time() - started, 3)
        result["ok"] = float(ok)
        app.quit()

    view.loadFinished.connect(finished)
    view.resize(1200, 800)
    view.show()
    view.load(QUrl.fromLocalFile(html))
    app.exec()
    del view
    print(json.dumps(result))


def run(args: argparse.Namespace | Sequence[str] | None = None) -> dict[str, float]:
    opts = _options(args)
    from data.db import Database
    from data.demo import seed_demo

    with tempfile.TemporaryDirectory(prefix="cso-start-bench-") as tmp:
        scratch = Path(tmp)
        db_path = scratch / "demo.sqlite3"
        db = Database(f"sqlite:///{db_path}")
        seed_demo(db)
        db.dispose()
        html = scratch / "bare.html"
        html.write_text("<!doctype html><title>bare</title><p>A page.</p><script>1</script>", encoding="utf-8")
        env = _env(scratch)
        probe = scratch / "probe.json"
        _console_once(db_path, env, probe)  # first start: builds the map page into the cache
        ready, usable, bare = [], [], []
        for _ in range(opts.runs):
            bare.append(_bare_once(html, env))
            moments = _console_once(db_path, env, probe)
            ready.append(moments["window_ready_s"])
            usable.append(moments["start_to_usable_s"])
    figures = {
        "window_ready_s": round(statistics.median(ready), 3),
        "start_to_usable_s": round(statistics.median(usable), 3),
        "bare_webengine_s": round(statistics.median(bare), 3),
        "runs": float(opts.runs),
    }
    figures["usable_to_bare_ratio"] = round(figures["start_to_usable_s"] / figures["bare_webengine_s"], 2)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    opts = _options(argv if argv is not None else sys.argv[1:])
    if opts.bare_child:
        _bare_child(opts.bare_child)
        return 0
    print(json.dumps(run(opts)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
