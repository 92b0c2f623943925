"""Intake drafts as the dispatcher keeps them: what a draft holds, its limits, whose it is, in what order.

Every limit is checked at, one below and one above its boundary; expected values are written out.
"""

from __future__ import annotations

import datetime as dt

import pytest

from data import services
from data.errors import ValidationError
from data.permissions import Actor
from data.services.drafts import DraftRecord

ANA = Actor("ana", role="dispatcher", workstation="ws-1")
ANA_ELSEWHERE = Actor("ana", role="dispatcher", workstation="ws-2")
BO = Actor("bo", role="dispatcher", workstation="ws-1")
START = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)  # the controlled clock's start (tests/conftest.py)


def summary(**fields) -> str:
    return DraftRecord("k", START, START, fields).summary


# How a draft is listed ----------------------------------------------------------------------------


def test_the_list_names_type_place_caller_and_the_start_of_the_story():
    assert (
        summary(
            call_type=" WELFARE ",
            location="8300 Santa Monica Blvd",
            caller_name="Ana",
            narrative="Not seen\n  since  Monday",
        )
        == "WELFARE · 8300 Santa Monica Blvd · Ana · Not seen since Monday"
    )


@pytest.mark.parametrize(
    ("narrative", "shown"),
    [
        ("a" * 59, "a" * 59),
        ("a" * 60, "a" * 60),
        ("a" * 61, "a" * 60 + "…"),
    ],
)
def test_the_story_is_cut_after_sixty_characters(narrative, shown):
    assert summary(narrative=narrative) == shown


def test_blank_or_missing_parts_are_left_out():
    assert summary(call_type="NOISE", location="   ", caller_name=None, narrative=" \n ") == "NOISE"
    assert summary(location="Plummer Park") == "Plummer Park"


def test_a_draft_with_nothing_typed_reads_empty():
    assert summary() == "(empty)"
    assert summary(call_type="", narrative="  ") == "(empty)"


# What a draft keeps -------------------------------------------------------------------------------

LIMITS = [
    ("call_type", 40),
    ("location", 300),
    ("caller_name", 120),
    ("caller_phone", 40),
    ("narrative", 20_000),
    ("override_reason", 2000),
]


@pytest.mark.parametrize(("field", "limit"), LIMITS)
def test_each_typed_field_is_kept_up_to_its_limit(db, field, limit):
    assert services.save_draft(db, ANA, "k1", {field: "x" * (limit - 1)}).fields == {field: "x" * (limit - 1)}
    assert services.save_draft(db, ANA, "k1", {field: "x" * limit}).fields == {field: "x" * limit}


@pytest.mark.parametrize(
    ("field", "length", "message"),
    [
        ("call_type", 41, "The call type is 41 characters; the limit is 40."),
        ("location", 301, "The location is 301 characters; the limit is 300."),
        ("caller_name", 121, "The caller name is 121 characters; the limit is 120."),
        ("caller_phone", 41, "The caller phone is 41 characters; the limit is 40."),
        ("narrative", 20_001, "The narrative is 20,001 characters; the limit is 20,000."),
        ("override_reason", 2001, "The override reason is 2,001 characters; the limit is 2,000."),
    ],
)
def test_a_typed_field_one_over_its_limit_is_refused(db, field, length, message):
    with pytest.raises(ValidationError) as refused:
        services.save_draft(db, ANA, "k1", {field: "x" * length})
    assert (refused.value.field, str(refused.value)) == (field, message)
    assert services.list_drafts(db, ANA) == []


def test_typed_text_is_kept_as_typed_without_nul_characters(db):
    kept = services.save_draft(
        db, ANA, "k1", {"caller_phone": "not a phone", "caller_name": None, "location": 8300, "narrative": "a\x00b\n"}
    )
    assert kept.fields == {"caller_phone": "not a phone", "caller_name": "", "location": "8300", "narrative": "ab\n"}


def test_a_field_a_draft_does_not_keep_is_refused_by_its_name(db):
    with pytest.raises(ValidationError) as refused:
        services.save_draft(db, ANA, "k1", {"status": "cleared", "narrative": "x", "disposition": "10"})
    assert (refused.value.field, str(refused.value)) == ("disposition", "A draft does not keep 'disposition'.")


@pytest.mark.parametrize(
    ("priority", "kept"),
    [(0, None), (1, 1), (2, 2), (3, 3), (4, 4), (5, None), ("2", None), (None, None)],
)
def test_only_priorities_one_to_four_are_kept(db, priority, kept):
    assert services.save_draft(db, ANA, "k1", {"priority": priority}).fields == {"priority": kept}


@pytest.mark.parametrize(
    ("response", "kept"),
    [("transfer", "transfer"), ("joint", "joint"), ("cso", "cso"), ("sheriff", None), ("", None), (None, None)],
)
def test_only_the_three_responses_are_kept(db, response, kept):
    assert services.save_draft(db, ANA, "k1", {"response": response}).fields == {"response": kept}


def test_only_yes_or_no_screening_answers_are_kept(db):
    answers = {"weapon": True, "violence": False, "medical": "yes", "crime": None, 3: True}
    assert services.save_draft(db, ANA, "k1", {"screening": answers}).fields == {
        "screening": {"weapon": True, "violence": False}
    }
    assert services.save_draft(db, ANA, "k1", {"screening": None}).fields == {"screening": {}}


@pytest.mark.parametrize(
    ("received", "kept"),
    [
        ("2026-11-26T08:05:00-08:00", "2026-11-26T08:05:00-08:00"),
        ("y" * 39, "y" * 39),
        ("y" * 40, "y" * 40),
        ("y" * 41, "y" * 40),
        (None, ""),
    ],
)
def test_the_received_time_is_kept_as_typed_up_to_forty_characters(db, received, kept):
    assert services.save_draft(db, ANA, "k1", {"received_at": received}).fields == {"received_at": kept}


def test_only_what_was_typed_is_kept(db):
    assert services.save_draft(db, ANA, "k1", {}).fields == {}


# Keys, owners, limits -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["a", "k" * 31, "K" * 32, "draft7"])
def test_a_key_is_up_to_32_letters_and_digits(db, key):
    assert services.save_draft(db, ANA, key, {}).key == key


@pytest.mark.parametrize("key", ["", "k" * 33, "draft-7", "../x"])
def test_any_other_key_is_refused(db, key):
    with pytest.raises(ValidationError) as refused:
        services.save_draft(db, ANA, key, {})
    assert (refused.value.field, str(refused.value)) == ("key", "A draft key is up to 32 letters and digits.")


def test_a_replaced_draft_keeps_when_it_was_started(db, clock):
    services.save_draft(db, ANA, "k1", {"call_type": "WELF"})
    clock.advance(minutes=3)
    saved = services.save_draft(db, ANA, "k1", {"call_type": "WELFARE"})
    assert (saved.created_at, saved.updated_at, saved.fields) == (
        START,
        START + dt.timedelta(minutes=3),
        {"call_type": "WELFARE"},
    )
    assert [(d.key, d.created_at, d.updated_at) for d in services.list_drafts(db, ANA)] == [
        ("k1", START, START + dt.timedelta(minutes=3))
    ]


def test_fifty_drafts_are_kept_per_user_and_workstation_and_the_fifty_first_refused(db):
    for n in range(49):
        services.save_draft(db, ANA, f"k{n}", {})
    services.save_draft(db, ANA, "k49", {})  # the fiftieth
    with pytest.raises(ValidationError) as refused:
        services.save_draft(db, ANA, "k50", {})
    assert (refused.value.field, str(refused.value)) == ("draft", "50 drafts are kept already; discard some first.")
    # Replacing one of the fifty is still allowed; another workstation or person has room of their own.
    assert services.save_draft(db, ANA, "k7", {"call_type": "NOISE"}).fields == {"call_type": "NOISE"}
    services.save_draft(db, ANA_ELSEWHERE, "k50", {})
    services.save_draft(db, BO, "k51", {})
    assert len(services.list_drafts(db, ANA)) == 50


def test_another_person_cannot_replace_a_draft_with_the_same_key(db):
    services.save_draft(db, ANA, "k1", {"narrative": "mine"})
    for other in (BO, ANA_ELSEWHERE):
        with pytest.raises(ValidationError) as refused:
            services.save_draft(db, other, "k1", {"narrative": "theirs"})
        assert (refused.value.field, str(refused.value)) == ("key", "That draft belongs to someone else.")
    assert [d.fields for d in services.list_drafts(db, ANA)] == [{"narrative": "mine"}]
    assert services.list_drafts(db, BO) == services.list_drafts(db, ANA_ELSEWHERE) == []


def test_drafts_are_listed_newest_first_and_in_saving_order_within_the_same_moment(db, clock):
    services.save_draft(db, ANA, "old", {})
    clock.advance(seconds=1)
    services.save_draft(db, ANA, "first", {})
    services.save_draft(db, ANA, "second", {})
    clock.advance(seconds=1)
    services.save_draft(db, ANA, "old", {"call_type": "NOISE"})  # replaced: now the newest
    services.save_draft(db, BO, "bos", {})
    assert [d.key for d in services.list_drafts(db, ANA)] == ["old", "second", "first"]


def test_discarding_drops_only_ones_own_draft(db):
    services.save_draft(db, ANA, "k1", {})
    services.save_draft(db, ANA, "k2", {})
    assert services.discard_draft(db, BO, "k1") is False
    assert services.discard_draft(db, ANA_ELSEWHERE, "k1") is False
    assert services.discard_draft(db, ANA, "k1") is True
    assert services.discard_draft(db, ANA, "k1") is False
    assert [d.key for d in services.list_drafts(db, ANA)] == ["k2"]
