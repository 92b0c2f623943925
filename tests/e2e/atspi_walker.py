"""Walk the running console's AT-SPI tree as a screen reader would, and print what it finds as JSON.

Runs under the system Python with pyatspi (python3-pyatspi), not in the project's venv: it is the
assistive technology's side. tests/e2e/test_atspi.py starts it beside the console under Xvfb.
"""

from __future__ import annotations

import json
import sys
import time

import pyatspi

APP_NAME = "CSO Console"
F2 = 0xFFBF  # X keysym
FIELD_ROLES = ("text", "password text", "combo box", "check box", "radio button", "spin button", "list")


def wait_for(what, timeout: float = 90.0, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = what()
        except Exception:  # an object can die while it is read; ask again
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            return None
        time.sleep(every)


def states(obj) -> set[str]:
    st = obj.getState()
    return {
        name
        for name, s in (("focusable", pyatspi.STATE_FOCUSABLE), ("showing", pyatspi.STATE_SHOWING))
        if st.contains(s)
    }


def labelled_by(obj) -> list[str]:
    out = []
    for rel in obj.getRelationSet():
        if rel.getRelationType() == pyatspi.RELATION_LABELLED_BY:
            out += [rel.getTarget(i).name for i in range(rel.getNTargets())]
    return out


def walk(obj, path: str = "", depth: int = 0):
    """(object, path) for every object below; tables are not entered (their cells are read apart)."""
    if obj is None or depth > 40:
        return
    try:
        role, name = obj.getRoleName(), obj.name
        children = list(obj) if role not in ("table", "tree table", "list") and obj.childCount <= 300 else []
    except Exception:  # gone while read
        return
    here = f"{path}/{role}:{name}"
    yield obj, here
    for child in children:
        yield from walk(child, here, depth + 1)


def showing(obj) -> bool:
    try:
        return "showing" in states(obj)
    except Exception:
        return False


def find(root, role: str, name: str | None = None):
    for obj, _ in walk(root):
        if obj.getRoleName() == role and (name is None or obj.name == name):
            return obj
    return None


def the_app():
    desktop = pyatspi.Registry.getDesktop(0)
    return next((a for a in desktop if a is not None and a.name == APP_NAME), None)


def main() -> int:
    out: dict = {}
    app = wait_for(the_app)
    if app is None:
        print(json.dumps({"error": "the console never appeared on the accessibility bus"}))
        return 1
    frame = wait_for(lambda: next((w for w in app if w is not None and w.getRoleName() == "frame"), None))
    out["frame"] = frame.name
    queue = wait_for(lambda: (t := find(frame, "table", "Incident list")) and t.queryTable().nRows > 0 and t)
    table = queue.queryTable()
    out["queue_row"] = [table.getAccessibleAt(0, c).name for c in range(table.nColumns)]
    out["queue_headers"] = [table.getColumnDescription(c) for c in range(table.nColumns)]
    # The map's markers arrive once its page is ready.
    wait_for(lambda: any(o.name.startswith("Incident 20") for o, _ in walk(frame)), timeout=120)
    unnamed, focusable = [], 0
    for window in app:
        for obj, path in walk(window):
            if showing(obj) and "focusable" in states(obj) and obj.getRoleName() not in ("table cell",):
                focusable += 1
                if not obj.name.strip() and not labelled_by(obj):
                    unnamed.append(path)
    out["focusable"] = focusable
    out["unnamed_focusable"] = unnamed
    out["map_markers"] = [
        o.name for o, _ in walk(frame) if o.getRoleName() == "push button" and o.name.startswith(("Incident ", "Unit "))
    ]
    out["web_documents"] = [p for w in app for o, p in walk(w) if o.getRoleName() == "document web"]
    out["status_bar"] = [o.name for o, _ in walk(find(frame, "status bar")) if o.getRoleName() == "label"]
    out["windows"] = [(w.getRoleName(), w.name, showing(w)) for w in app]

    # F2 opens the intake, as the dispatcher would. There is no window manager under Xvfb to make the
    # window active: a click on the status bar does, and changes nothing else.
    bar = find(frame, "status bar").queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
    pyatspi.Registry.generateMouseEvent(bar.x + bar.width // 3, bar.y + bar.height // 2, "b1c")
    out["frame_active"] = bool(wait_for(lambda: frame.getState().contains(pyatspi.STATE_ACTIVE), timeout=15))
    pyatspi.Registry.generateKeyboardEvent(F2, None, pyatspi.KEY_SYM)
    intake = wait_for(
        lambda: next((w for w in app if w is not None and w.name.startswith("New call") and showing(w)), None), 60
    )
    fields = {}
    if intake is not None:
        for obj, _ in walk(intake):
            if obj.getRoleName() in FIELD_ROLES and showing(obj) and "focusable" in states(obj):
                fields[f"{obj.getRoleName()}:{obj.name}"] = labelled_by(obj)
    out["intake_fields"] = fields
    out["announcements"] = hear_a_refusal(frame, intake)
    print(json.dumps(out))
    return 0


def has(obj, state) -> bool:
    try:
        return obj.getState().contains(state)
    except Exception:
        return False


def hear_a_refusal(frame, intake) -> list[list]:
    """Close the intake, type a command naming no unit, and listen: what is announced, how urgently.

    Each key waits for what the one before it did (the window active, the field focused): key
    presses through the registry do not wait for the application.
    """
    from gi.repository import GLib

    heard: list[list] = []

    def on_announcement(event) -> None:
        heard.append([str(event.any_data), int(event.detail1)])  # detail1: 1 polite, 2 assertive

    pyatspi.Registry.registerEventListener(on_announcement, "object:announcement")
    bar = find(frame, "status bar").queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
    command_line = find(frame, "text", "CMD command line")
    key = pyatspi.Registry.generateKeyboardEvent

    def act() -> bool:
        if intake is not None:
            wait_for(lambda: has(intake, pyatspi.STATE_ACTIVE), timeout=15)
            key(0xFF1B, None, pyatspi.KEY_SYM)  # Esc: the intake closes, nothing saved
            wait_for(lambda: not showing(intake), timeout=15)
        pyatspi.Registry.generateMouseEvent(bar.x + bar.width // 3, bar.y + bar.height // 2, "b1c")
        wait_for(lambda: has(frame, pyatspi.STATE_ACTIVE), timeout=15)
        key(0xFFC0, None, pyatspi.KEY_SYM)  # F3: the command line
        wait_for(lambda: has(command_line, pyatspi.STATE_FOCUSED), timeout=15)
        key(0, "ER 99", pyatspi.KEY_STRING)
        wait_for(lambda: command_line.queryText().getText(0, -1) == "ER 99", timeout=15)
        # No unit is called 99, so no suggestion is open: Enter runs the line as typed (Esc would clear it).
        key(0xFF0D, None, pyatspi.KEY_SYM)  # Enter
        return False

    def done() -> bool:
        # Other announcements may come first (a demo unit's status check falling due): wait for ours.
        if any("99" in text for text, _ in heard) or time.monotonic() > deadline:
            pyatspi.Registry.stop()
            return False
        return True

    deadline = time.monotonic() + 90
    GLib.timeout_add(300, act)
    GLib.timeout_add(200, done)
    pyatspi.Registry.start()
    return heard


if __name__ == "__main__":
    sys.exit(main())
