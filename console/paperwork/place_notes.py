"""What is known about an incident's place, for the handoff sheet: active cautions (red) and a short history."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.platypus import Flowable, TableStyle

from console.paperwork.common import Styles, cells, esc, grid, local, markup, para
from data.db import Database
from data.pack import Pack
from data.records import CautionRecord, IncidentRecord, LocationHistory
from data.rules import STATUS_LABELS
from data.services.cautions import cautions_at
from data.services.history import location_history

CAUTION_RED = colors.HexColor("#b71c1c")
CAUTION_TINT = colors.HexColor("#fdecea")


@dataclass(frozen=True)
class PlaceNotes:
    """The cautions active at an incident's place when the sheet is printed, and the place's history."""

    cautions: tuple[CautionRecord, ...]
    history: LocationHistory


def place_notes(db: Database, incident: IncidentRecord) -> PlaceNotes:
    """Read off the GUI thread, with the rest of the sheet."""
    cautions = cautions_at(db, latitude=incident.latitude, longitude=incident.longitude, location=incident.location)
    history = location_history(
        db,
        latitude=incident.latitude,
        longitude=incident.longitude,
        location=incident.location,
        exclude_id=incident.id,
    )
    return PlaceNotes(tuple(cautions), history)


def place_section(notes: PlaceNotes | None, pack: Pack, st: Styles, width: float) -> list[Flowable]:
    """'Cautions at this place' in red, then 'History of this place' with its last few incidents."""
    if notes is None:
        return []
    out: list[Flowable] = []
    if notes.cautions:
        rows = []
        for c in notes.cautions:
            until = local(c.expires_at, pack.timezone, "%Y-%m-%d")
            rows.append(
                [
                    markup(
                        f'<font color="#b71c1c"><b>CAUTION · {esc(c.headline(pack.agency))}</b></font>'
                        f"<br/>{esc(c.location)} · within {c.radius_m:.0f} m · until {esc(until)} · "
                        f"by {esc(c.author)}",
                        st.body,
                    )
                ]
            )
        box = grid(rows, [width])
        box.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 1.5, CAUTION_RED),
                    ("BACKGROUND", (0, 0), (-1, -1), CAUTION_TINT),
                ]
            )
        )
        out += [markup('<font color="#b71c1c">Cautions at this place</font>', st.h2), box]
    history = notes.history
    months = pack.history.months
    out.append(markup("History of this place", st.h2))
    if not history.total:
        out.append(para(f"No other incident within {history.radius_m:.0f} m in the last {months} months.", st.body))
        return out
    kinds = ", ".join(f"{label} ×{n}" for _code, label, n in history.by_type[:6])
    out.append(
        para(
            f"{history.total} other incident{'s' if history.total != 1 else ''} within {history.radius_m:.0f} m "
            f"in the last {months} months ({history.open_count} open): {kinds}",
            st.body,
        )
    )
    rows = [cells(("Received", "Incident", "Type", "Outcome"), st.cell_bold)]
    for e in history.entries[: pack.history.shown]:
        status = STATUS_LABELS.get(e.status, e.status)
        outcome = (
            f"OPEN · {status}"
            if e.is_open
            else (f"{e.disposition_code} {e.disposition_label}" if e.disposition_code else status)
        )
        rows.append(
            cells(
                (local(e.received_at, pack.timezone, "%Y-%m-%d %H:%M"), e.number, e.call_type_label, outcome), st.cell
            )
        )
    out.append(grid(rows, [width * 0.2, width * 0.16, width * 0.3, width * 0.34], header=True))
    return out


__all__ = ["PlaceNotes", "place_notes", "place_section"]
