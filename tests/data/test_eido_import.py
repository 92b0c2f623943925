"""Calls other agencies transfer in as NENA EIDO: NENA's own sample, hand-made variants, updates, races."""

from __future__ import annotations

import copy
import json

import pytest

from console.benchmarks.paperwork import populate_shift
from data import eido, services
from data.errors import ValidationError
from data.services import transfers
from tests.data.eido_documents import (
    CALL_ID,
    INCIDENT_ID,
    circle_pidf,
    point_pidf,
    row_counts,
    sample,
    to_bytes,
    with_location_value,
    with_notes,
)
from tests.data.helpers import at_once

NOTE_1 = (
    "urn:emergency:uid:notesid:a56e556d871.1:bcf.state.pa.us",
    "2021-04-30T14:42:30.0-04:00",
    "Caller says neighbour not seen for 3 days",
)
NOTE_2 = (
    "urn:emergency:uid:notesid:a56e556d871.2:bcf.state.pa.us",
    "2021-04-30T14:43:10.0-04:00",
    "Mail piling up at the door",
)


def texts(db, incident_id: int, kind: str | None = None) -> list[str]:
    return [e.text for e in services.timeline(db, incident_id) if kind is None or e.kind == kind]


def test_nenas_call_transfer_sample_makes_one_pending_incident_outside_the_city(db, dispatcher):
    before = len(services.load_board(db).incidents)
    result = transfers.import_eido_bytes(db, dispatcher, to_bytes(sample()))
    inc = result.incident
    assert result.outcome == "created"
    assert len(services.load_board(db).incidents) == before + 1
    stored = services.get_incident(db, inc.id)
    assert stored.status == "pending"
    assert stored.location == "42 W Cellular Street, Wilmington, DE"
    assert stored.in_city is False and stored.latitude is None and stored.zone is None
    assert stored.caller_phone == "819-555-1212"
    assert stored.transferred_from == "state.pa.us"
    assert stored.call_type == "ASSIST"  # the pack's type for a transfer that names none
    assert stored.screening == {}  # nobody here asked the screening questions
    lines = texts(db, inc.id)
    assert lines[1] == (
        f"Transferred from state.pa.us at 2021-04-30 11:43:49; their incident {INCIDENT_ID}; their call {CALL_ID}"
    )
    assert "Outside West Hollywood: 42 W Cellular Street, Wilmington, DE." in lines
    assert any(
        t.startswith("Person (Caller): name not given; callback sip:8195551212@osp.com, tel:8195551212") for t in lines
    )
    assert "Location (RoutingLocation): 42 W Cellular Street, Wilmington, DE (civic address)" in lines
    assert (
        "Location (Caller) by reference, not fetched (this console makes no network requests): "
        "https://lrf.osp.com?oasufdqwerjn12346jfias"
    ) in lines
    assert "Comment from the call: This is an example text." in texts(db, inc.id, "note")
    assert stored.narrative == "Comment from the call: This is an example text."
    assert (
        "ServiceInfo: DataProviderReference 2468.IBOC.MLTS.1359@example.org; ServiceEnvironment Unknown; ServiceType wireless; ServiceMobility Mobile"
        in lines
    )
    assert result.message == (
        f"{inc.number} transferred from state.pa.us: Assist LASD or Fire at 42 W Cellular Street, Wilmington, DE "
        "(outside the city); pending"
    )


def test_the_same_document_again_changes_nothing_and_says_so(db, dispatcher):
    first = transfers.import_eido_bytes(db, dispatcher, to_bytes(sample()))
    counts = row_counts(db)
    again = transfers.import_eido_bytes(db, dispatcher, to_bytes(sample()))
    assert again.outcome == "unchanged" and again.incident.id == first.incident.id
    assert (
        again.message == f"Already imported as {first.incident.number} (transferred from state.pa.us); nothing changed."
    )
    assert row_counts(db) == counts
    # Re-sent with a later time stamp but nothing new in it: still nothing to write.
    later = sample()
    later["lastUpdateTimeStamp"] = "2021-04-30T15:00:00.0-04:00"
    assert transfers.import_eido(db, dispatcher, later).outcome == "unchanged"
    assert row_counts(db) == counts


def test_geodetic_point_only_is_placed_where_it_says(db, dispatcher):
    document = with_location_value(sample(), point_pidf(34.0905, -118.3707))
    result = transfers.import_eido(db, dispatcher, document)
    stored = services.get_incident(db, result.incident.id)
    assert (stored.latitude, stored.longitude) == pytest.approx((34.0905, -118.3707))
    assert stored.location == "34.090500, -118.370700"  # no map in this test: the point names the place
    assert stored.in_city is None  # only the map knows (tests/maps/test_placement.py)
    assert "Location (RoutingLocation): point 34.090500, -118.370700" in texts(db, stored.id)


def test_a_circle_keeps_its_centre_and_its_uncertainty(db, dispatcher):
    document = with_location_value(sample(), circle_pidf(34.0905, -118.3707, 50))
    result = transfers.import_eido(db, dispatcher, document)
    assert (result.incident.latitude, result.incident.longitude) == pytest.approx((34.0905, -118.3707))
    assert "Location (RoutingLocation): circle 34.090500, -118.370700 ± 50 m" in texts(db, result.incident.id)


def test_an_update_with_one_more_note_appends_that_note_once(db, dispatcher, clock):
    first = transfers.import_eido(db, dispatcher, with_notes(sample(), NOTE_1))
    notes_before = texts(db, first.incident.id, "note")
    assert "[state.pa.us 2021-04-30 11:42:30 tjones.atroop] Caller says neighbour not seen for 3 days" in notes_before
    clock.advance(minutes=2)
    update = with_notes(sample(), NOTE_1, NOTE_2)
    update["lastUpdateTimeStamp"] = "2021-04-30T14:44:00.0-04:00"
    second = transfers.import_eido(db, dispatcher, update)
    assert second.outcome == "updated" and second.incident.id == first.incident.id
    assert second.message == f"{first.incident.number} updated from state.pa.us: 1 new note"
    notes_after = texts(db, first.incident.id, "note")
    assert notes_after == [*notes_before, "[state.pa.us 2021-04-30 11:43:10 tjones.atroop] Mail piling up at the door"]
    counts = row_counts(db)
    assert transfers.import_eido(db, dispatcher, update).outcome == "unchanged"
    assert row_counts(db) == counts
    assert len(services.load_board(db).incidents) == 1


def test_an_update_records_their_status_and_moves_the_open_incident(db, dispatcher):
    base = sample()
    base["incidentComponent"] = {
        "$id": INCIDENT_ID,
        "lastUpdateTimeStamp": "2021-04-30T14:43:49.439-04:00",
        "updatedByAgencyReference": {"$ref": "state.pa.us"},
        "incidentTypeCommonRegistryText": "WELFARE",
        "incidentStatusCommonRegistryText": ["Active"],
    }
    first = transfers.import_eido(db, dispatcher, base)
    assert first.incident.call_type == "WELFARE"  # through the APCO type
    moved = with_location_value(base, point_pidf(34.0905, -118.3707))
    moved["incidentComponent"]["incidentStatusCommonRegistryText"] = ["Closed"]
    result = transfers.import_eido(db, dispatcher, moved)
    assert result.outcome == "updated"
    stored = services.get_incident(db, first.incident.id)
    assert stored.location == "34.090500, -118.370700" and stored.status == "pending"
    lines = texts(db, stored.id)
    assert "state.pa.us status: Active → Closed" in lines
    assert "location by state.pa.us: 42 W Cellular Street, Wilmington, DE → 34.090500, -118.370700" in lines


def test_a_location_change_after_clearing_is_recorded_not_applied(db, dispatcher):
    first = transfers.import_eido(db, dispatcher, sample())
    services.clear_incident(db, dispatcher, first.incident.id, disposition="13", note="handled by phone")
    transfers.import_eido(db, dispatcher, with_location_value(sample(), point_pidf(34.0905, -118.3707)))
    stored = services.get_incident(db, first.incident.id)
    assert stored.location == "42 W Cellular Street, Wilmington, DE" and stored.status == "cleared"
    assert (
        f"state.pa.us gives a new location: 34.090500, -118.370700 (not applied: {stored.number} is closed)"
        in texts(db, stored.id)
    )


def test_what_this_console_does_not_read_is_kept_verbatim(db, dispatcher):
    document = sample()
    document["cautionComponent"] = [
        {
            "$id": "caution-1",
            "lastUpdateTimeStamp": "2021-04-30T14:40:00.0-04:00",
            "updatedByAgencyReference": {"$ref": "state.pa.us"},
            "cautionTypeCommonRegistryText": "Animal",
            "cautionSeverity": "high",
            "cautionTypeInternalText": "Large dog in the yard",
        }
    ]
    document["locationComponent"][0]["cellTowerSectorId"] = "DE-4411-B"
    result = transfers.import_eido(db, dispatcher, document)
    lines = texts(db, result.incident.id, "transfer_data")
    caution = json.dumps(document["cautionComponent"][0], ensure_ascii=False, sort_keys=True, separators=(", ", ": "))
    assert f"state.pa.us sent cautionComponent caution-1, which this console does not read: {caution}" in lines
    assert (
        "state.pa.us sent, in locationComponent 123e4567-dead-12d3-a456-426614174000, what this console does not read: "
        '{"cellTowerSectorId": "DE-4411-B"}'
    ) in lines


def test_a_location_by_reference_inside_the_document_is_used(db, dispatcher):
    document = sample()
    by_ref = document["locationComponent"][1]  # "Caller", by reference to a URL
    document["locationComponent"].append(
        {
            "$id": "dereferenced-1",
            "lastUpdateTimeStamp": "2021-04-30T14:40:40.0-04:00",
            "updatedByAgencyReference": {"$ref": "state.pa.us"},
            "locationTypeDescriptionRegistryText": "Caller",
            "locationByValue": point_pidf(34.0905, -118.3707),
            "locationDereferencedFromReference": {"$ref": by_ref["$id"]},
        }
    )
    result = transfers.import_eido(db, dispatcher, document)
    # The caller's location wins over the routing location once its value is in the document.
    assert (result.incident.latitude, result.incident.longitude) == pytest.approx((34.0905, -118.3707))


def test_a_data_url_location_is_read_and_other_urls_are_not_fetched(db, dispatcher):
    import base64

    document = sample()
    pidf = point_pidf(34.0905, -118.3707).encode()
    document["locationComponent"][1]["locationByReferenceUrl"] = (
        "data:application/pidf+xml;base64," + base64.b64encode(pidf).decode()
    )
    result = transfers.import_eido(db, dispatcher, document)
    assert (result.incident.latitude, result.incident.longitude) == pytest.approx((34.0905, -118.3707))


def test_a_sender_without_an_agency_is_named_by_its_issuing_element(db, dispatcher):
    document = sample()
    document["updatedByAgencyReference"] = {"$ref": ""}
    result = transfers.import_eido(db, dispatcher, document)
    assert result.incident.transferred_from == "idx.state.pa.us"
    assert texts(db, result.incident.id)[1].startswith("Transferred from idx.state.pa.us at 2021-04-30 11:43:49; ")


def test_a_document_from_this_centre_is_refused(db, dispatcher, supervisor):
    populate_shift(db, db.clock, incidents=2, hours=1, leave_open=1)
    ours = eido.export_incident(db, services.load_board(db).incidents[0].id)
    counts = row_counts(db)
    with pytest.raises(ValidationError, match=r"comes from this dispatch centre \(cso.weho.ca.us\)"):
        transfers.import_eido(db, dispatcher, ours)
    assert row_counts(db) == counts


def test_another_cso_centres_export_keeps_type_priority_caller_and_notes(db, dispatcher):
    source = services.create_incident(
        db,
        dispatcher,
        call_type="MNTL",
        location="8300 Santa Monica Blvd",
        priority=1,
        latitude=34.0901,
        longitude=-118.3676,
        caller_name="Zoë <b>Ng</b> & Co",
        caller_phone="323-555-0148",
        narrative="Man pacing in the median <script>alert(1)</script>\nsecond line",
    )
    services.add_note(db, dispatcher, source.id, "Второй звонок: он ушёл на север")
    text = json.dumps(eido.export_incident(db, source.id)).replace("cso.weho.ca.us", "cso.beverlyhills.ca.us")
    imported = transfers.import_eido(db, dispatcher, json.loads(text)).incident
    assert imported.id != source.id and imported.status == "pending"
    assert (imported.call_type, imported.priority, imported.location) == ("MNTL", 1, "8300 Santa Monica Blvd")
    assert (imported.latitude, imported.longitude) == pytest.approx((34.0901, -118.3676))
    assert (imported.caller_name, imported.caller_phone) == ("Zoë <b>Ng</b> & Co", "+1-323-555-0148")
    assert imported.narrative.startswith("Man pacing in the median <script>alert(1)</script>\nsecond line")
    assert any(n.endswith("Второй звонок: он ушёл на север") for n in texts(db, imported.id, "note"))


def test_a_foreign_type_maps_through_its_apco_code_and_priority(db, dispatcher):
    source = services.create_incident(db, dispatcher, call_type="WELFARE", location="Plummer Park")
    document = json.loads(json.dumps(eido.export_incident(db, source.id)).replace("cso.weho.ca.us", "lasd.example"))
    document["incidentComponent"]["incidentTypeInternalCode"] = "WLFR-77"
    document["incidentComponent"]["incidentCommonPriorityNumber"] = 9
    imported = transfers.import_eido(db, dispatcher, document).incident
    assert (imported.call_type, imported.priority) == ("WELFARE", 1)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(eidoVersion="2.0"), "Not a valid EIDO 1.0 document"),
        (lambda d: d["locationComponent"].clear(), "no location this console can use"),
        (lambda d: d.update({"$id": "x" * 400}), "identifier in the document is 400 characters"),
        (lambda d: d.update(lastUpdateTimeStamp="9999-12-31T23:59:59-05:00"), "not a usable date and time"),
        (lambda d: d.update(lastUpdateTimeStamp="2040-01-01T00:00:00Z"), "not plausible"),
        (lambda d: d["callComponent"][0].update(callStartTimestamp="2021-04-30T14:40:00"), "is not a 'date-time'"),
    ],
)
def test_a_document_that_cannot_be_a_call_is_refused_and_writes_nothing(db, dispatcher, change, message):
    document = copy.deepcopy(sample())
    change(document)
    counts = row_counts(db)
    with pytest.raises(ValidationError, match=message):
        transfers.import_eido(db, dispatcher, document)
    assert row_counts(db) == counts


def test_a_failure_inside_the_transaction_leaves_nothing(db, dispatcher, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    counts = row_counts(db)
    monkeypatch.setattr(transfers, "_taken", broken)  # after the incident, its number and its timeline
    with pytest.raises(RuntimeError, match="disk full"):
        transfers.import_eido(db, dispatcher, sample())
    assert row_counts(db) == counts


def test_two_workstations_importing_the_same_call_at_once_make_one_incident(db, dispatcher):
    from data.db import Database

    other = Database(db.url, clock=db.clock)
    try:
        results = at_once(
            lambda: transfers.import_eido(db, dispatcher, sample()),
            lambda: transfers.import_eido(other, dispatcher, sample()),
        )
    finally:
        other.dispose()
    assert sorted(r.outcome for r in results) == ["created", "unchanged"]
    assert len(services.load_board(db).incidents) == 1
