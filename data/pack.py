"""Jurisdiction pack: the city's code tables, loaded from resources and validated."""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

DEFAULT_PACK = "west_hollywood"


class PackError(Exception):
    """A jurisdiction pack file is missing, unreadable or has an invalid entry."""


@dataclass(frozen=True)
class CallType:
    code: str
    label: str
    apco: str
    priority: int
    cso_alone: bool = True
    sheriff_first: bool = False
    skills: tuple[str, ...] = ()
    kind: str = "call"
    welfare_form: bool = False  # the officer files a welfare-check form; the shift's log lists every one


@dataclass(frozen=True)
class Disposition:
    code: str
    label: str


@dataclass(frozen=True)
class UnitStatus:
    code: str
    label: str
    short: str
    eido_primary: str
    eido_secondary: tuple[str, ...]


@dataclass(frozen=True)
class Provision:
    section: str
    title: str
    chapter: str
    fines: tuple[int, ...]
    effective: dt.date

    def fine_for(self, offense_count: int) -> int | None:
        """Fine in dollars for the nth offense within the window; None past the schedule."""
        if 1 <= offense_count <= len(self.fines):
            return self.fines[offense_count - 1]
        return None


@dataclass(frozen=True)
class DirectoryEntry:
    key: str
    name: str
    phone: str
    description: str


@dataclass(frozen=True)
class HistorySettings:
    """Location history: incidents within radius_m of a place over the last `months` count as its history."""

    radius_m: float = 75.0
    months: int = 12
    shown: int = 5  # the last few listed in the intake and the detail; one key opens the full list
    # Who may read a person's earlier contacts (data.services.contacts); the read is audited.
    contact_roles: tuple[str, ...] = ("dispatcher", "supervisor", "admin")
    # Personal details of repeat contacts (welfare-check subjects, cited people) are removed from records closed
    # longer than this many months ago by `cso-console retention apply`; 0 keeps them (the command refuses).
    retention_months: int = 0


@dataclass(frozen=True)
class CautionSettings:
    """Cautions at a place: the longest lifetime allowed, and who besides supervisors may add one."""

    longest_days: int = 180
    dispatchers_may_add: bool = False
    default_radius_m: float = 30.0


@dataclass(frozen=True)
class Pack:
    name: str
    directory: Path
    city: dict[str, Any]
    law_enforcement: dict[str, Any]
    citation: dict[str, Any]
    timers: dict[str, tuple[int, int]]
    duplicates: dict[str, float]
    targets: dict[str, Any]
    call_types: dict[str, CallType]
    dispositions: dict[str, Disposition]
    unit_statuses: dict[str, UnitStatus]
    provisions: tuple[Provision, ...]
    referrals: tuple[DirectoryEntry, ...]
    apco_types: dict[str, str] = field(default_factory=dict)
    care_team: dict[str, str] = field(default_factory=dict)
    escalations: dict[str, str] = field(default_factory=dict)
    # Calls other agencies transfer in (NENA EIDO): the local call type when their document names none.
    transfers: dict[str, Any] = field(default_factory=lambda: {"call_type": "ASSIST"})
    # What is known about a place: how far and how far back its history reaches, and the rules for cautions.
    history: HistorySettings = field(default_factory=lambda: HistorySettings())
    cautions: CautionSettings = field(default_factory=lambda: CautionSettings())

    @property
    def geo_dir(self) -> Path:
        return self.directory / "geo"

    @property
    def city_name(self) -> str:
        """The jurisdiction's own name ("West Hollywood")."""
        return str(self.city["name"])

    @property
    def agency(self) -> str:
        """The law-enforcement agency's short name, as dispatchers say it ("LASD")."""
        return str(self.law_enforcement["short"])

    @property
    def agency_name(self) -> str:
        """The law-enforcement agency's full name."""
        return str(self.law_enforcement["name"])

    @property
    def escalation_labels(self) -> dict[str, str]:
        """Who a welfare check can be escalated to, by stored key: the pack's list and its care team."""
        return {**self.escalations, "care_team": f"{self.care_team['name']} ({self.care_team['phone']})"}

    @property
    def timezone(self) -> str:
        return str(self.city["timezone"])

    def call_type(self, code: str) -> CallType | None:
        return self.call_types.get(code.upper())

    def provision(self, section: str, on: dt.date) -> Provision | None:
        """The version of a provision in effect on a date (latest effective date not after it)."""
        found = [p for p in self.provisions if p.section == section and p.effective <= on]
        return max(found, key=lambda p: p.effective) if found else None


def pack_directory(name: str = DEFAULT_PACK) -> Path:
    return Path(str(resources.files("resources") / "packs" / name))


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise PackError(f"{path}: file missing from the jurisdiction pack") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"{path}: not valid TOML ({exc})") from exc


def _entries(path: Path, key: str) -> list[dict[str, Any]]:
    entries = _read(path).get(key)
    if not isinstance(entries, list) or not entries:
        raise PackError(f"{path}: no [[{key}]] entries")
    return entries


def _require(path: Path, entry: dict[str, Any], name: str, kind: type) -> Any:
    label = entry.get("code") or entry.get("section") or entry.get("key") or entry
    value = entry.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise PackError(f"{path}: entry {label!r} needs {name} ({kind.__name__})")
    return value


def _load_apco_types() -> dict[str, str]:
    path = Path(str(resources.files("resources") / "standards" / "apco_2103_2_2019_incident_types.tsv"))
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        code, description, *_ = line.split("\t")
        table[code] = description
    return table


def _call_types(path: Path, apco: dict[str, str]) -> dict[str, CallType]:
    out: dict[str, CallType] = {}
    for e in _entries(path, "call_type"):
        code = _require(path, e, "code", str).upper()
        if code in out:
            raise PackError(f"{path}: call type {code!r} appears twice")
        priority = _require(path, e, "priority", int)
        if not 1 <= priority <= 4:
            raise PackError(f"{path}: call type {code!r} has priority {priority}; use 1-4")
        apco_code = _require(path, e, "apco", str)
        if apco and apco_code not in apco:
            raise PackError(f"{path}: call type {code!r} maps to unknown APCO code {apco_code!r}")
        kind = e.get("kind", "call")
        if kind not in ("call", "self_initiated"):
            raise PackError(f"{path}: call type {code!r} has kind {kind!r}; use call or self_initiated")
        out[code] = CallType(
            code=code,
            label=_require(path, e, "label", str),
            apco=apco_code,
            priority=priority,
            cso_alone=bool(e.get("cso_alone", True)),
            sheriff_first=bool(e.get("sheriff_first", False)),
            skills=tuple(e.get("skills", ())),
            kind=kind,
            welfare_form=bool(e.get("welfare_form", False)),
        )
    return out


def _provisions(path: Path) -> tuple[Provision, ...]:
    out = []
    for e in _entries(path, "provision"):
        section = _require(path, e, "section", str)
        fines = _require(path, e, "fines", list)
        if not fines or not all(isinstance(f, int) and f > 0 for f in fines):
            raise PackError(f"{path}: provision {section!r} needs fines as positive whole dollars")
        try:
            effective = dt.date.fromisoformat(str(e.get("effective")))
        except ValueError as exc:
            raise PackError(f"{path}: provision {section!r} needs effective = YYYY-MM-DD") from exc
        out.append(
            Provision(
                section=section,
                title=_require(path, e, "title", str),
                chapter=str(e.get("chapter", "")),
                fines=tuple(fines),
                effective=effective,
            )
        )
    return tuple(out)


@functools.cache
def load_pack(name: str = DEFAULT_PACK, directory: Path | None = None) -> Pack:
    """Load and validate a pack; a broken pack raises PackError naming the file and the entry."""
    root = directory or pack_directory(name)
    if not root.is_dir():
        raise PackError(f"{root}: jurisdiction pack {name!r} not found")
    meta = _read(root / "pack.toml")
    for section in (
        "city",
        "law_enforcement",
        "care_team",
        "escalations",
        "citation",
        "timers",
        "duplicates",
        "targets",
    ):
        if not isinstance(meta.get(section), dict):
            raise PackError(f"{root / 'pack.toml'}: missing [{section}] section")
    for section, keys in (
        ("city", ("name",)),
        ("law_enforcement", ("name", "short")),
        ("care_team", ("name", "phone")),
    ):
        for key in keys:
            _require(root / "pack.toml", {"key": f"[{section}]", **meta[section]}, key, str)
    escalations = {str(k): str(v) for k, v in meta["escalations"].items()}
    apco = _load_apco_types()
    statuses = {}
    for e in _entries(root / "unit_statuses.toml", "status"):
        code = _require(root / "unit_statuses.toml", e, "code", str)
        statuses[code] = UnitStatus(
            code=code,
            label=e["label"],
            short=e["short"],
            eido_primary=e["eido_primary"],
            eido_secondary=tuple(e.get("eido_secondary", ())),
        )
    dispositions = {}
    for e in _entries(root / "dispositions.toml", "disposition"):
        code = _require(root / "dispositions.toml", e, "code", str)
        dispositions[code] = Disposition(code=code, label=_require(root / "dispositions.toml", e, "label", str))
    referrals = tuple(
        DirectoryEntry(
            key=_require(root / "referrals.toml", e, "key", str),
            name=_require(root / "referrals.toml", e, "name", str),
            phone=str(e.get("phone", "")),
            description=str(e.get("description", "")),
        )
        for e in _entries(root / "referrals.toml", "referral")
    )
    call_types = _call_types(root / "call_types.toml", apco)
    transfers = {"call_type": "ASSIST"} | dict(meta.get("transfers") or {})
    if str(transfers["call_type"]).upper() not in call_types:
        raise PackError(f"{root / 'pack.toml'}: [transfers] call_type {transfers['call_type']!r} is not a call type")
    transfers["call_type"] = str(transfers["call_type"]).upper()
    history, cautions = _place_settings(root / "pack.toml", meta)
    timers = {k: (int(v[0]), int(v[1])) for k, v in meta["timers"].items()}
    for status, (warn, crit) in timers.items():
        if not 0 < warn < crit:
            raise PackError(f"{root / 'pack.toml'}: timer {status!r} needs 0 < warning < critical")
    return Pack(
        name=name,
        directory=root,
        city=meta["city"],
        law_enforcement=meta["law_enforcement"],
        citation=meta["citation"],
        timers=timers,
        duplicates={k: float(v) for k, v in meta["duplicates"].items()},
        targets=meta["targets"],
        call_types=call_types,
        dispositions=dispositions,
        unit_statuses=statuses,
        provisions=_provisions(root / "municipal_code.toml"),
        referrals=referrals,
        apco_types=apco,
        care_team={k: str(v) for k, v in meta["care_team"].items()},
        escalations=escalations,
        transfers=transfers,
        history=history,
        cautions=cautions,
    )


def _place_settings(path: Path, meta: dict[str, Any]) -> tuple[HistorySettings, CautionSettings]:
    """[history] and [cautions] of pack.toml; both optional (the defaults above), checked when given."""
    raw_history = meta.get("history") or {}
    raw_cautions = meta.get("cautions") or {}
    if not isinstance(raw_history, dict) or not isinstance(raw_cautions, dict):
        raise PackError(f"{path}: [history] and [cautions] must be tables")
    try:
        history = HistorySettings(
            radius_m=float(raw_history.get("radius_m", HistorySettings.radius_m)),
            months=int(raw_history.get("months", HistorySettings.months)),
            shown=int(raw_history.get("shown", HistorySettings.shown)),
            contact_roles=tuple(str(r) for r in raw_history.get("contact_roles", HistorySettings.contact_roles)),
            retention_months=int(raw_history.get("retention_months", HistorySettings.retention_months)),
        )
        cautions = CautionSettings(
            longest_days=int(raw_cautions.get("longest_days", CautionSettings.longest_days)),
            dispatchers_may_add=bool(raw_cautions.get("dispatchers_may_add", CautionSettings.dispatchers_may_add)),
            default_radius_m=float(raw_cautions.get("default_radius_m", CautionSettings.default_radius_m)),
        )
    except (TypeError, ValueError) as exc:
        raise PackError(f"{path}: [history] or [cautions] has a value of the wrong kind ({exc})") from exc
    if not 0 < history.radius_m <= 1000 or not 1 <= history.months <= 120 or not 1 <= history.shown <= 50:
        raise PackError(f"{path}: [history] needs 0 < radius_m <= 1000, months 1-120 and shown 1-50")
    if not 0 <= history.retention_months <= 600:
        raise PackError(f"{path}: [history] retention_months must be 0 (keep) to 600")
    if not 1 <= cautions.longest_days <= 3650 or not 0 < cautions.default_radius_m <= 1000:
        raise PackError(f"{path}: [cautions] needs longest_days 1-3650 and 0 < default_radius_m <= 1000")
    return history, cautions
