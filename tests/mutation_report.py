"""The mutation score and the survivors of ./scripts/mutation, with the reasons on record for each."""

from __future__ import annotations

import fnmatch
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


def main(argv: list[str]) -> int:
    results, patterns = read_results(Path(argv[0])), argv[1:] or ["*"]
    chosen = {n: s for n, s in results.items() if any(fnmatch.fnmatchcase(n, p) for p in patterns)}
    known = reasons()
    counted = {n: s for n, s in chosen.items() if s not in LEFT_OUT}
    killed = [n for n, s in counted.items() if s in KILLED]
    survivors = sorted(n for n, s in counted.items() if s not in KILLED)
    explained = [n for n in survivors if reason_for(n, known)]
    print(f"\nMutants in {', '.join(patterns)}: {len(chosen)}; checked {len(counted)}")
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
    if survivors:
        print("\nSurvivors (mutmut show NAME for the change):")
        for name in survivors:
            why = reason_for(name, known)
            print(f"  {name} [{counted[name]}]: {why or 'no reason on record: write the test that kills it'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
