"""`cso-console print ...`, `export eido` and `import eido` through the real command-line parser."""

from __future__ import annotations

import json

import pytest

from console.cli import main
from data import eido
from data.services import incident_paperwork, welfare
from tests.console.paperwork_helpers import page_count, pdf_text, populated_database


@pytest.fixture(scope="module")
def shift(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    db, _clock, populated = populated_database(folder, incidents=20, hours=6)
    url = db.url
    check = welfare.welfare_checks_for_shift(db, populated.shift_id)[0]
    number = incident_paperwork.incident_paperwork(db, check.incident_id).incident.number
    db.dispose()
    return url, populated, number


def test_print_citation_writes_three_copies(shift, tmp_path, capsys):
    url, populated, _number = shift
    out = tmp_path / "c.pdf"
    assert main(["print", "citation", populated.citation_numbers[0], "--db", url, "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert page_count(out.read_bytes()) == 3
    assert populated.citation_numbers[0] in pdf_text(out.read_bytes())


def test_print_forms_default_to_a_sensible_name_in_the_current_directory(shift, tmp_path, monkeypatch):
    url, populated, number = shift
    monkeypatch.chdir(tmp_path)
    short = number.split("-")[-1].lstrip("0")
    assert main(["print", "welfare-check", short, "--db", url]) == 0
    assert main(["print", "handoff", number, "--db", url]) == 0
    assert main(["print", "welfare-log", "--shift", "current", "--db", url]) == 0
    assert main(["print", "shift-report", "--shift", str(populated.shift_id), "--db", url]) == 0
    assert main(["print", "citation", populated.citation_numbers[0].lower(), "--db", url]) == 0
    names = sorted(p.name for p in tmp_path.glob("*.pdf"))
    assert names == sorted(
        [
            f"welfare-check-{number}.pdf",
            f"handoff-{number}.pdf",
            f"welfare-log-shift-{populated.shift_id}.pdf",
            f"shift-report-{populated.shift_id}.pdf",
            f"citation-{populated.citation_numbers[0]}.pdf",
        ]
    )
    assert number in pdf_text((tmp_path / f"handoff-{number}.pdf").read_bytes())


def test_print_refuses_unknown_things_with_a_message(shift, tmp_path, capsys):
    url, *_ = shift
    assert main(["print", "citation", "AC-999999", "--db", url, "--out", str(tmp_path / "x.pdf")]) == 1
    assert "No citation" in capsys.readouterr().err
    assert main(["print", "handoff", "999999", "--db", url]) == 1
    assert main(["print", "shift-report", "--shift", "77", "--db", url]) == 1
    assert "No shift 77" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_export_one_all_and_import_again(shift, tmp_path, capsys):
    url, populated, *_ = shift
    assert main(["export", "eido", "1", "--db", url]) == 0
    document = json.loads(capsys.readouterr().out)
    assert eido.validation_errors(document) == []
    folder = tmp_path / "eido"
    assert main(["export", "eido", "--all", "--out", str(folder), "--db", url]) == 0
    files = sorted(folder.glob("eido-*.json"))
    assert len(files) == len(populated.incident_ids)
    assert all(eido.validation_errors(json.loads(f.read_text(encoding="utf-8"))) == [] for f in files)
    capsys.readouterr()
    # Our own export looping back is refused; the same document from another centre is a transfer.
    assert main(["import", "eido", str(files[0]), "--db", url]) == 2
    assert "comes from this dispatch centre (cso.weho.ca.us)" in capsys.readouterr().err
    theirs = tmp_path / "theirs.json"
    theirs.write_text(files[0].read_text(encoding="utf-8").replace("cso.weho.ca.us", "cso.beverlyhills.ca.us"))
    assert main(["import", "eido", str(theirs), "--db", url]) == 0
    assert "transferred from cso.beverlyhills.ca.us" in capsys.readouterr().out
    assert main(["export", "eido", "--all", "--db", url]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["import", "eido", str(bad), "--db", url]) == 2
    assert "is not JSON" in capsys.readouterr().err


def test_the_form_builders_and_the_print_command_load_no_qt():
    """Only `preview` and `actions` in console/paperwork are Qt: the builders and the CLI print without it."""
    import subprocess
    import sys
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "console" / "paperwork"
    qt_modules = {"preview", "actions"}
    builders = sorted(p.stem for p in folder.glob("*.py") if p.stem not in qt_modules | {"__init__"})
    assert {"citation", "handoff", "welfare", "shift_report", "files"} <= set(builders)
    code = "\n".join(
        [
            "import sys",
            *(f"import console.paperwork.{name}" for name in builders),
            "import console.commands.print_",
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'widgets')))",
        ]
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"
