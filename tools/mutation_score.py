"""Mutation score per module from mutmut's results in mutants/ (run after ``mutmut run``; ``make mutate`` does both).

Score = killed / (killed + survived + no tests), where timeouts count as killed
(the mutant made the tests hang, which a run would notice) and mutants mutmut
never checked are reported but left out of the score. With ``--survivors`` it
lists the surviving mutants of each module, for ``mutmut show NAME``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

# mutmut's exit codes (mutmut/stats.py): 1 and 3 killed, 0 survived, 5 and 33 no tests, timeouts 24/36/-24/152/255
KILLED = {1, 3}
TIMEOUT = {24, 36, -24, 152, 255}
SURVIVED = {0}
NO_TESTS = {5, 33}


def classify(code: int | None) -> str:
    if code is None:
        return "not checked"
    if code in KILLED:
        return "killed"
    if code in TIMEOUT:
        return "timeout"
    if code in SURVIVED:
        return "survived"
    if code in NO_TESTS:
        return "no tests"
    return "other"


def results(root: Path) -> dict[str, dict[str, int | None]]:
    """{module path: {mutant name: exit code}} from every ``*.py.meta`` under root."""
    out = {}
    for meta in sorted(root.rglob("*.py.meta")):
        module = meta.relative_to(root).as_posix().removesuffix(".meta")
        out[module] = json.loads(meta.read_text())["exit_code_by_key"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=Path("mutants"), help="mutmut's working directory (default: mutants)")
    ap.add_argument("--survivors", action="store_true", help="list the surviving mutants of each module")
    ap.add_argument(
        "--reset-survivors",
        action="store_true",
        help="mark surviving and untested mutants unchecked, so the next `mutmut run` tests them again (after new tests)",
    )
    ap.add_argument("--min-score", type=float, default=None, help="exit 1 if any module scores below this (0 to 1)")
    args = ap.parse_args(argv)
    table = results(args.root)
    if not table:
        print(f"no mutmut results under {args.root}; run `make mutate` first", file=sys.stderr)
        return 2
    if args.reset_survivors:
        for meta in sorted(args.root.rglob("*.py.meta")):
            data = json.loads(meta.read_text())
            codes = data["exit_code_by_key"]
            reset = [n for n, code in codes.items() if classify(code) in ("survived", "no tests")]
            for n in reset:
                codes[n] = None
            meta.write_text(json.dumps(data, indent=4))
            if reset:
                print(f"{meta.relative_to(args.root).as_posix().removesuffix('.meta')}: {len(reset)} mutants to check again")
        return 0
    print(f"{'module':<30} {'mutants':>7} {'killed':>6} {'timeout':>7} {'survived':>8} {'no tests':>8} {'unchecked':>9} {'score':>6}")
    low = []
    totals: Counter[str] = Counter()
    for module, codes in table.items():
        c = Counter(classify(code) for code in codes.values())
        totals.update(c)
        caught = c["killed"] + c["timeout"]
        judged = caught + c["survived"] + c["no tests"] + c["other"]
        score = caught / judged if judged else float("nan")
        print(
            f"{module:<30} {len(codes):>7} {c['killed']:>6} {c['timeout']:>7} {c['survived']:>8} {c['no tests']:>8} {c['not checked']:>9} {score:>6.1%}"
        )
        if args.min_score is not None and not score >= args.min_score:
            low.append(module)
    caught = totals["killed"] + totals["timeout"]
    judged = caught + totals["survived"] + totals["no tests"] + totals["other"]
    print(
        f"{'all':<30} {sum(totals.values()):>7} {totals['killed']:>6} {totals['timeout']:>7} {totals['survived']:>8} {totals['no tests']:>8} "
        f"{totals['not checked']:>9} {caught / judged if judged else float('nan'):>6.1%}"
    )
    if args.survivors:
        for module, codes in table.items():
            names = [n for n, code in codes.items() if classify(code) in ("survived", "no tests")]
            if names:
                print(f"\n{module}:")
                for n in names:
                    print(f"  {n}  ({classify(codes[n])})")
    if low:
        print(f"below {args.min_score:.0%}: {', '.join(low)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
