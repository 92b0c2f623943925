"""A seeded sample of the mutants in scope, so a run of the whole scope fits in 30 minutes.

    python -m tests.mutation_sample --size 800 --seed 20261203 'data.rules.*' 'data.services.*'

Generates the mutants (mutmut's own generation, nothing run), then picks ``--size`` of them at
random with the seed, in proportion to each source file's count (every file gets at least one), and
writes their names to mutants/sample.txt, one per line. The mutation score measured on the sample
estimates the whole scope's; tests/mutation_report.py prints it with its 95 % interval.

Uses mutmut's internal functions for generation: mutmut is pinned in pyproject.toml for that reason.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import math
import random
import sys
from collections import defaultdict
from pathlib import Path

SAMPLE_FILE = Path("mutants") / "sample.txt"


def generate_mutants() -> None:
    """What `mutmut run` does before running anything: copy the code and write every mutant."""
    from mutmut import __main__ as mutmut

    mutmut.set_mutant_under_test("mutant_generation")
    Path("mutants").mkdir(exist_ok=True)
    mutmut.copy_src_dir()
    mutmut.copy_also_copy_files()
    mutmut.setup_source_paths()
    mutmut.store_lines_covered_by_tests()
    mutmut.create_mutants(2)


def mutants_by_file(patterns: list[str]) -> dict[str, list[str]]:
    """Mutant names matching any pattern, by the mutants/ metadata file that lists them."""
    found: dict[str, list[str]] = defaultdict(list)
    for meta in sorted(Path("mutants").rglob("*.py.meta")):
        names = json.loads(meta.read_text())["exit_code_by_key"]
        for name in sorted(names):
            if any(fnmatch.fnmatchcase(name, p) for p in patterns):
                found[str(meta)].append(name)
    return dict(found)


def stratified_sample(by_file: dict[str, list[str]], size: int, seed: int) -> list[str]:
    """``size`` names, each file's share in proportion to its count (at least one), seeded."""
    total = sum(len(names) for names in by_file.values())
    if size >= total:
        return sorted(n for names in by_file.values() for n in names)
    rng = random.Random(seed)
    chosen: list[str] = []
    for _file, names in sorted(by_file.items()):
        share = max(1, math.floor(size * len(names) / total + 0.5))
        chosen.extend(rng.sample(names, min(share, len(names))))
    return sorted(chosen)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("patterns", nargs="+")
    args = parser.parse_args(argv)
    generate_mutants()
    by_file = mutants_by_file(args.patterns)
    sample = stratified_sample(by_file, args.size, args.seed)
    total = sum(len(names) for names in by_file.values())
    SAMPLE_FILE.write_text("".join(f"{name}\n" for name in sample))
    print(f"Sample: {len(sample)} of {total} mutants in {len(by_file)} files (seed {args.seed}) -> {SAMPLE_FILE}")
    return 0 if sample else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
