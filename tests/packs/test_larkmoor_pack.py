"""The console on a second pack: Larkmoor, a made-up town (tests/packs/larkmoor), with no West Hollywood data.

The geocoder, the call intake and a citation run on Larkmoor's pack alone. The last test runs the others
again in a fresh interpreter whose audit hook refuses to open any file of the West Hollywood pack, so
nothing here can lean on it, even through a default or a cache.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from console.paperwork.citation import citation_pdf
from data import services
from data.db import Database
from data.pack import Pack, load_pack, pack_directory
from data.services import citations
from tests.console.paperwork_helpers import pdf_text, squash

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

LARKMOOR = Path(__file__).parent / "larkmoor"
ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_ENV = "CSO_TEST_FORBID_DIR"
WEST_HOLLYWOOD_WORDS = ("West Hollywood", "WeHo", "LASD", "Sheriff")


@pytest.fixture
def pack() -> Pack:
    return load_pack("larkmoor", LARKMOOR)


@pytest.fixture
def db(tmp_path, clock, pack) -> Iterator[Database]:
    """Overrides the shared fixture: the store, the operations and the actions all read this pack."""
    database = Database(f"sqlite:///{tmp_path / 'cso.sqlite3'}", clock=clock, pack=pack)
    yield database
    database.dispose()


@pytest.fixture
def form(qtbot, store, actions):
    from widgets.intake import IntakeForm

    widget = IntakeForm(store, actions)  # no geocoder given: the pack's own
    widget.geocode_timer.setInterval(0)
    qtbot.addWidget(widget)
    widget.resize(760, 820)
    widget.show()
    widget.start_call()
    return widget


def settle(qtbot, form) -> None:
    # Generous: the inner run below shares two cores with the rest of a full test run.
    qtbot.waitUntil(lambda: form._lookups_settled() and form._lookup_text is None, timeout=20_000)


def test_the_pack_names_the_town_its_agency_and_its_care_team(pack: Pack) -> None:
    assert (pack.city_name, pack.agency, pack.agency_name) == ("Larkmoor", "LPD", "Larkmoor Police Department")
    assert pack.escalation_labels["care_team"] == "Prairie Crisis Team (555-0199)"
    assert pack.timezone == "America/Chicago"


def test_the_geocoder_reads_the_packs_streets_and_names(pack: Pack) -> None:
    from maps.geocoder import geocoder_for

    geocoder = geocoder_for(pack.geo_dir)
    best = geocoder.geocode("210 east main street, Larkmoor ND")[0]
    assert (best.label, best.kind, best.zone, best.in_city) == ("210 E Main St", "address", "E1", True)
    assert geocoder.geocode("town hall")[0].label == "Larkmoor Town Hall"
    assert geocoder.reverse(46.0 - 0.00016, -99.9979).best_label == "210 E Main St"


def test_intake_saves_a_call_placed_by_the_packs_geocoder(qtbot, form, db) -> None:
    qtbot.keyClicks(form.type_edit, "nois")
    qtbot.keyClick(form.type_edit, Qt.Key.Key_Tab)
    assert form.type_edit.text() == "NOISE"
    qtbot.keyClicks(form.location_edit, "210 E Main St")
    settle(qtbot, form)
    assert "210 E Main St · zone E1 · in city" in form.match_info.text()
    form.location_edit.hide_suggestions()
    qtbot.keyClick(form.location_edit, Qt.Key.Key_Tab)
    qtbot.keyClicks(form.caller_edit, "Dana Holt")
    qtbot.keyClick(form.caller_edit, Qt.Key.Key_Tab)
    qtbot.keyClicks(form.phone_edit, "555-0123")
    qtbot.keyClick(form.phone_edit, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)  # the caller said no to each
    with qtbot.waitSignal(form.incident_created, timeout=20_000) as created:
        qtbot.keyClick(form.phone_edit, Qt.Key.Key_Return)
    stored = services.get_incident(db, created.args[0].id)
    assert (stored.location, stored.zone, stored.in_city) == ("210 E Main St", "E1", True)
    assert stored.number.startswith("L")  # the pack's incident prefix
    assert stored.latitude == pytest.approx(45.99984, abs=1e-4)


def test_intake_names_the_packs_agency_and_town(qtbot, form) -> None:
    qtbot.keyClicks(form.type_edit, "MTLV")
    assert "LPD first" in form.type_info.text()
    assert form.response_box.title().startswith("LPD first")
    assert "LPD takes the call" in form.response_buttons["transfer"].text()
    qtbot.keyClicks(form.location_edit, "1300 W Main St")  # past the town's west edge
    settle(qtbot, form)
    assert "Outside Larkmoor" in form.match_info.text()
    shown = " ".join([form.type_info.text(), form.response_box.title(), form.match_info.text()])
    assert not any(word in shown for word in WEST_HOLLYWOOD_WORDS)


def test_a_citation_under_the_towns_code(db, dispatcher, supervisor) -> None:
    officer = services.create_officer(db, supervisor, badge="L7", name="Sam Reyes")
    citation = citations.issue_citation(
        db,
        dispatcher,
        officer_id=officer.id,
        violator_name="Pat Lind",
        violations=["LTC 4.10"],
        location="300 Oak St",
    )
    assert citation.number.startswith("LK")
    assert citation.total_dollars == 50  # the town's first-offence fine
    text = pdf_text(citation_pdf(db, citation.number))
    flat = squash(text)
    for expected in ("CITY OF LARKMOOR", "Larkmoor Town Code title 2", "Town Safety Office", "Noise after 10 pm"):
        assert squash(expected) in flat, expected
    assert "Pay at Larkmoor Town Hall" in text.replace("\n", " ")
    assert not any(squash(word) in flat for word in WEST_HOLLYWOOD_WORDS)


def test_all_of_it_runs_with_the_west_hollywood_pack_unreadable() -> None:
    if os.environ.get(FORBIDDEN_ENV):
        pytest.skip("this is the inner run")
    forbidden = str(pack_directory().resolve())
    # The hook goes in before anything of the console is imported; it refuses every open of the pack.
    program = (
        "import os, sys\n"
        f"forbidden = os.environ[{FORBIDDEN_ENV!r}]\n"
        "def hook(event, args):\n"
        "    if event == 'open' and isinstance(args[0], (str, bytes, os.PathLike)):\n"
        "        path = os.path.realpath(os.fsdecode(args[0]))\n"
        "        if path == forbidden or path.startswith(forbidden + os.sep):\n"
        "            raise PermissionError('West Hollywood pack opened: ' + path)\n"
        "sys.addaudithook(hook)\n"
        "import pytest\n"
        f"sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', {str(Path(__file__))!r}]))\n"
    )
    env = {**os.environ, FORBIDDEN_ENV: forbidden, "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run([sys.executable, "-c", program], cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "5 passed, 1 skipped" in run.stdout, run.stdout[-2000:]
