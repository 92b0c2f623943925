"""The mutation score and the survivors of ./scripts/mutation, with the reasons on record for each."""

from __future__ import annotations

import fnmatch
import math
import sys
import tomllib
from collections import Counter
from pathlib import Path

REASONS = Path(__file__).with_name("mutation_survivors.toml")
KILLED = {"killed", "timeout", "caught by type check", "segfault"}
LEFT_OUT = {"skipped", "not checked", "check was interrupted by user"}


def read_results(path: Path) -> dict[str, str]:
    """`mutmut results --all true` lines ("    data.rules.x_f__mutmut_3: killed") as name -> status."""
    out = {}
    for line in path.read_text().splitlines():
        name, sep, status = line.strip().partition(": ")
        if sep:
            out[name] = status
    return out


def reasons() -> dict[str, str]:
    """Survivors that are equivalent changes (no behaviour differs), by mutant name or glob."""
    if not REASONS.exists():
        return {}
    return {str(k): str(v) for k, v in tomllib.loads(REASONS.read_text())["equivalent"].items()}


def reason_for(name: str, known: dict[str, str]) -> str | None:
    for pattern, why in known.items():
        if fnmatch.fnmatchcase(name, pattern):
            return why
    return None


def wilson_interval(killed: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % interval of a proportion measured on a random sample (Wilson's, sound near 0 and 100 %)."""
    if n == 0:
        return 0.0, 100.0
    p = killed / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


def module_of(name: str) -> str:
    """data.services.units.x_dispatch__mutmut_3 -> data.services.units (methods: .xǁClassǁname)."""
    return name.split(".x_")[0].split(".xǁ")[0]


def print_by_module(counted: dict[str, str], known: dict[str, str]) -> None:
    by_module: dict[str, list[bool]] = {}
    for name, status in counted.items():
        if status in KILLED or not reason_for(name, known):
            by_module.setdefault(module_of(name), []).append(status in KILLED)
    print("\nBy module (equivalent mutants left out):")
    for module, kills in sorted(by_module.items()):
        print(f"  {module:<40} {sum(kills):>5} of {len(kills):>5}  {100 * sum(kills) / len(kills):5.1f} %")


def main(argv: list[str]) -> int:
    sample: set[str] | None = None
    if argv and argv[0].startswith("--sample="):
        sample = set(Path(argv[0].removeprefix("--sample=")).read_text().split())
        argv = argv[1:]
    results, patterns = read_results(Path(argv[0])), argv[1:] or ["*"]
    in_scope = {n: s for n, s in results.items() if any(fnmatch.fnmatchcase(n, p) for p in patterns)}
    chosen = in_scope if sample is None else {n: s for n, s in in_scope.items() if n in sample}
    known = reasons()
    counted = {n: s for n, s in chosen.items() if s not in LEFT_OUT}
    killed = [n for n, s in counted.items() if s in KILLED]
    survivors = sorted(n for n, s in counted.items() if s not in KILLED)
    explained = [n for n in survivors if reason_for(n, known)]
    if sample is None:
        print(f"\nMutants in {', '.join(patterns)}: {len(chosen)}; checked {len(counted)}")
    else:
        print(
            f"\nA random sample of {len(chosen)} of the {len(in_scope)} mutants in {', '.join(patterns)}; checked {len(counted)}"
        )
    for status, count in sorted(Counter(chosen.values()).items()):
        print(f"  {status:<12} {count}")
    if not counted:
        print("No mutant was checked.")
        return 1
    raw = 100 * len(killed) / len(counted)
    real = len(counted) - len(explained)
    score = 100 * len(killed) / real if real else 100.0
    print(f"\nScore: {score:.1f} % killed ({len(killed)} of {real}; {len(explained)} equivalent mutants left out)")
    print(f"Raw:   {raw:.1f} % ({len(killed)} of {len(counted)}, equivalent ones counted as survivors)")
    if sample is not None:
        low, high = wilson_interval(len(killed), real)
        print(f"Whole scope, estimated from the sample: {score:.1f} % (95 % interval {low:.1f}–{high:.1f} %)")
    print_by_module(counted, known)
    if survivors:
        print("\nSurvivors (mutmut show NAME for the change):")
        for name in survivors:
            why = reason_for(name, known)
            print(f"  {name} [{counted[name]}]: {why or 'no reason on record: write the test that kills it'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
