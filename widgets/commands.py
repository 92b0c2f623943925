"""The dispatcher's command language: one typed line in, one command or one-line error out (no Qt)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from data import rules

# A unit is named by call sign or its last characters; an incident by number or its last digits.
_UNIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$")
_INCIDENT = re.compile(r"^(?:\d{1,6}|[A-Za-z]{0,4}\d{4}-\d{1,6})$")
_DISPOSITION = re.compile(r"^\d{1,2}$")
_CALL_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{1,19}$")
_CITATION = re.compile(r"^[A-Za-z]{1,4}-?\d{1,9}$")


@dataclass(frozen=True)
class Verb:
    """One command: how it is typed, what it does, and what each word after the verb names."""

    name: str
    usage: str
    summary: str
    args: tuple[str, ...] = ()  # "unit", "units", "incident", "disposition", "calltype", "text": in order
    optional_text: bool = False  # a free-text note may follow the arguments
    status: str = ""  # the unit status a status verb sets
    text_name: str = "some text"  # what the free text is, for messages

    def what(self, kind: str) -> str:
        return self.text_name if kind == "text" else WHAT[kind]


VERBS: dict[str, Verb] = {
    v.name: v
    for v in (
        Verb("N", "N", "Start a new call (same as F2)"),
        Verb(
            "D",
            "D <unit> <incident> [reason]",
            "Dispatch a unit (or units, comma-separated) to an incident; the reason records why CSOs go alone "
            "to a call that needs law enforcement first or whose screening was not asked",
            ("units", "incident"),
            optional_text=True,
        ),
        Verb("ER", "ER <unit> [note]", "Unit en route", ("unit",), optional_text=True, status="enroute"),
        Verb("OS", "OS <unit> [note]", "Unit on scene", ("unit",), optional_text=True, status="onscene"),
        Verb("AV", "AV <unit> [note]", "Unit available (leaves its incident open)", ("unit",), True, "available"),
        Verb("BK", "BK <unit> [note]", "Unit on break", ("unit",), optional_text=True, status="break"),
        Verb("OOS", "OOS <unit> [note]", "Unit out of service", ("unit",), optional_text=True, status="out_of_service"),
        Verb(
            "C",
            "C <incident> <disposition> [note]",
            "Clear an incident with an APCO disposition code",
            ("incident", "disposition"),
            optional_text=True,
        ),
        Verb("NOTE", "NOTE <incident> <text>", "Add a note to an incident's timeline", ("incident", "text")),
        Verb("ACK", "ACK <unit> [note]", "Acknowledge a unit's status check", ("unit",), optional_text=True),
        Verb("FIND", "FIND <text>", "Search incidents by number, place, caller or narrative", ("text",)),
        Verb("P", "P <incident>", "Print an incident's handoff sheet", ("incident",)),
        Verb(
            "CIT", "CIT <incident>", "Issue an administrative citation on an incident (form, then print)", ("incident",)
        ),
        Verb(
            "VOID",
            "VOID <citation> <reason>",
            "Void a citation (supervisors), with the reason; the reprint is marked VOID",
            ("citation", "text"),
            text_name="the reason for voiding",
        ),
        Verb(
            "WC",
            "WC <incident>",
            "Record or correct the welfare-check form of an incident, then print it",
            ("incident",),
        ),
        Verb(
            "WL",
            "WL [shift]",
            "Print the welfare-check log of the current shift, or of the shift with that number",
            optional_text=True,
        ),
        Verb(
            "SI",
            "SI <unit> <type> <location>",
            "Officer-initiated work (audit, education, business check, outreach): the unit starts on scene",
            ("unit", "calltype", "text"),
            text_name="a location",
        ),
        Verb("HELP", "HELP", "List commands and keys (same as F1)"),
    )
}
ALIASES = {"CITE": "CIT", "WELFARE": "WC", "?": "HELP", "H": "HELP", "NEW": "N", "CLR": "C", "PRINT": "P", "BRK": "BK"}
STATUS_VERBS = {name: v.status for name, v in VERBS.items() if v.status}
WHAT = {
    "unit": "a unit",
    "units": "a unit",
    "incident": "an incident",
    "disposition": "a disposition code",
    "calltype": "a call type",
    "citation": "a citation number",
    "text": "some text",
}


@dataclass(frozen=True)
class Command:
    """A parsed command. Units and incidents are still as typed; the console resolves them."""

    verb: str
    units: tuple[str, ...] = ()
    incident: str = ""
    disposition: str = ""
    call_type: str = ""
    citation: str = ""
    text: str = ""  # a note, search text, or (SI) the location

    @property
    def unit(self) -> str:
        return self.units[0] if self.units else ""

    @property
    def spec(self) -> Verb:
        return VERBS[self.verb]


@dataclass(frozen=True)
class ParseError:
    """Why a line is not a command, in one line the dispatcher can act on."""

    message: str
    verb: str = ""


def canonical_verb(word: str) -> str | None:
    key = word.strip().upper()
    key = ALIASES.get(key, key)
    return key if key in VERBS else None


def parse(text: str, *, dispositions: Collection[str] | None = None) -> Command | ParseError:
    """Parse one line; `dispositions` (the pack's codes) lets an unknown code fail here."""
    line = " ".join(text.split())
    if not line:
        return ParseError("Type a command, for example D 12 123; F1 lists them.")
    if len(line) > 4000:
        return ParseError(f"That line is {len(line):,} characters; a command is at most 4,000.")
    word, _, rest = line.partition(" ")
    verb = canonical_verb(word)
    if verb is None:
        return ParseError(f"Unknown command {word[:20]!r}; F1 lists the commands.")
    spec = VERBS[verb]
    fields: dict[str, object] = {}
    remaining = rest
    for position, kind in enumerate(spec.args):
        if kind == "text":
            if not remaining.strip():
                return ParseError(f"{verb} needs {spec.what(kind)}: {spec.usage}", verb)
            fields["text"] = remaining.strip()
            remaining = ""
            break
        token, _, remaining = remaining.partition(" ")
        if not token:
            names = [spec.what(k) for k in spec.args[position:]]
            missing = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            return ParseError(f"{verb} needs {missing}: {spec.usage}", verb)
        error = _take(kind, token, fields, dispositions)
        if error:
            return ParseError(f"{error} ({spec.usage})", verb)
    if remaining.strip():
        # A dispatch reason is words: a stray number ("D 12 1 2") is a typo, not a reason.
        words_expected = verb == "D" and not any(ch.isalpha() for ch in remaining)
        if not spec.optional_text or words_expected:
            extra = remaining.strip()
            return ParseError(f"{verb} does not take {extra[:20]!r}: {spec.usage}", verb)
        fields["text"] = remaining.strip()
    return Command(verb=verb, **fields)  # type: ignore[arg-type]


def _take(kind: str, token: str, fields: dict[str, object], dispositions: Collection[str] | None) -> str:
    """Check one argument and store it; returns an error message or ''."""
    if kind in ("unit", "units"):
        names = [t for t in token.split(",") if t] if kind == "units" else [token]
        bad = [t for t in names if not _UNIT.match(t)]
        if bad or not names:
            return f"{(bad or [token])[0][:20]!r} is not a unit call sign"
        fields["units"] = tuple(n.upper() for n in dict.fromkeys(names))
    elif kind == "incident":
        if not _INCIDENT.match(token):
            return f"{token[:20]!r} is not an incident number"
        fields["incident"] = token.upper()
    elif kind == "disposition":
        if not _DISPOSITION.match(token):
            return f"{token[:20]!r} is not a disposition code"
        code = rules.disposition_code(token)
        if dispositions is not None and code not in dispositions:
            known = ", ".join(sorted(dispositions))
            return f"Unknown disposition {code}; use one of {known}"
        fields["disposition"] = code
    elif kind == "citation":
        if not _CITATION.match(token):
            return f"{token[:20]!r} is not a citation number (like AC-000123)"
        letters = token.rstrip("0123456789").rstrip("-").upper()
        fields["citation"] = f"{letters}-{int(token[len(token.rstrip('0123456789')) :]):06d}"
    elif kind == "calltype":
        if not _CALL_TYPE.match(token):
            return f"{token[:20]!r} is not a call type"
        fields["call_type"] = token.upper()
    return ""


def expected_argument(text: str) -> str | None:
    """What the word being typed at the end of `text` names: verb, unit, incident, disposition, calltype or None."""
    words = text.split(" ")
    if len(words) <= 1:
        return "verb"
    verb = canonical_verb(words[0])
    if verb is None:
        return None
    args = VERBS[verb].args
    index = len([w for w in words[1:-1] if w])
    if index >= len(args):
        return None
    kind = args[index]
    return {"units": "unit"}.get(kind, kind) if kind != "text" else None
