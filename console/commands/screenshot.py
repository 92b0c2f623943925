"""cso-console screenshot: render the main window offscreen with the current data into a PNG."""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.main_window import MainWindow


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "screenshot",
        parents=[common],
        help="render the main window offscreen into a PNG",
        description="Render the console's main window offscreen with the database's current data.",
    )
    p.add_argument("--out", required=True, metavar="FILE.png")
    p.add_argument("--size", default="1600x1000", metavar="WxH")
    p.add_argument("--select", metavar="INCIDENT", help="select this incident (number or last digits)")
    p.add_argument("--theme", choices=("night", "day"), default="night")
    p.add_argument("--no-map", action="store_true", help="leave the map pane out")
    p.add_argument("--demo", action="store_true", help="seed the demo shift first if the database is empty")
    p.set_defaults(func=run)


async def _settle(window: MainWindow, select: str | None, timeout: float = 20.0) -> None:
    from data import services

    loaded = asyncio.Event()
    window.store.board_loaded.connect(loaded.set)
    if window.store.incidents or window.store.units:
        loaded.set()
    await asyncio.wait_for(loaded.wait(), timeout)
    if select:
        rec = await asyncio.get_running_loop().run_in_executor(None, services.find_incident, window.db, select)
        window.select_incident(rec.id)
    if window.map_view is not None:
        deadline = time.monotonic() + timeout
        while not window.map_view.is_ready and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    await asyncio.sleep(1.5)  # detail timeline, recommendations and map markers arrive


def run(args: argparse.Namespace) -> int:
    from console.app import create_application, default_actor, is_demo_database, open_database, prepare_environment

    prepare_environment(offscreen=True)
    app = create_application()
    import qasync
    from PySide6.QtCore import QSettings

    from console.main_window import MainWindow
    from console.settings import Settings
    from widgets import theme

    theme.apply_theme(app, args.theme, 10)
    width, height = (int(v) for v in args.size.lower().split("x"))
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    db = open_database(args.db, demo=args.demo)
    demo = is_demo_database(db)
    # A throwaway settings store: a screenshot must not disturb anyone's saved layout.
    settings = Settings(QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "CSO Console", "screenshot"))
    settings.save_layout("demo.dispatcher" if demo else "screenshot", None, None)
    window = MainWindow(db, default_actor(demo), demo=demo, with_map=not args.no_map, settings=settings)
    window.resize(width, height)
    window.show()
    with loop:
        loop.run_until_complete(_settle(window, args.select))
    window.grab().save(args.out)
    print(f"wrote {args.out} ({width}x{height})")
    window.close()
    window.runner.shutdown()
    db.dispose()
    return 0
