"""Command line for the fuzzer: ``python tests/fuzz [options]`` (from the repository root).

    python tests/fuzz                          # the default run (2000 programs from seed 0), summary
    python tests/fuzz --programs 20000 --seed 7000
    python tests/fuzz --show 123               # program 123 as a script, its divergence, shrunk
    python tests/fuzz --catalogue out.md       # every root cause with counts and a shrunk reproducer
    python tests/fuzz --self-check             # torch against torch (must be all green)
    python tests/fuzz --no-known               # do not excuse the entries of tests/known_failures.py
    python tests/fuzz --ignore field:base      # (exploration) extra entries to excuse
"""

import argparse
import os
import sys
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # tests/: import fuzz, helpers, known_failures

from fuzz.runner import category, fuzz, run_one, settings, split_known  # noqa: E402
from fuzz.shrink import script, shrink  # noqa: E402


def modules(self_check):
    import torch
    import torch.nn.functional  # noqa: F401
    if self_check:
        return torch, torch
    import teachgrad
    return teachgrad, torch


def catalogue(report, tg, torch, known, per_category=1, budget=300):
    """Markdown: root causes by count, each with a shrunk reproducer."""
    skip = split_known(known)[0]
    groups = report.by_category(report.divergent)
    lines = [f"{len(report.results)} programs from seed {report.results[0].seed}: {len(report.divergent)} diverge.", ""]
    lines += ["| programs | first divergence (op-table row: what differs) |", "| ---: | --- |"]
    lines += [f"| {len(rs)} | `{cat}` |" for cat, rs in groups.items()]
    for cat, rs in groups.items():
        lines += ["", f"### `{cat}` ({len(rs)} programs)", ""]
        seen = set()
        for r in sorted(rs, key=lambda r: len(r.program.stmts)):
            if len(seen) >= per_category:
                break
            small, d = shrink(r.program, r.divergence, tg, torch, budget=budget, skip=skip)
            text = script(small, d)
            if text in seen:
                continue
            seen.add(text)
            lines += [f"Program {r.seed}, shrunk from {len(r.program.stmts)} statements:", "", "```python",
                      text.rstrip(), "```"]
    return "\n".join(lines) + "\n"


def main(argv=None):
    seed0, count0 = settings()
    ap = argparse.ArgumentParser(prog="python tests/fuzz", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=seed0)
    ap.add_argument("--programs", type=int, default=count0)
    ap.add_argument("--self-check", action="store_true", help="torch against torch")
    ap.add_argument("--no-known", action="store_true", help="ignore tests/known_failures.py")
    ap.add_argument("--ignore", action="append", default=[], help="extra known-failure entries")
    ap.add_argument("--show", type=int, help="print one program, its divergence and its shrunk form")
    ap.add_argument("--catalogue", help="write a markdown catalogue of all divergences to this file")
    ap.add_argument("--shrink", type=int, default=5, help="root causes to shrink in the summary")
    ap.add_argument("--rows", action="store_true", help="print how often each op-table row was generated")
    args = ap.parse_args(argv)

    from known_failures import FUZZ
    tg, torch = modules(args.self_check)
    known = ([] if args.no_known or args.self_check else list(FUZZ)) + args.ignore

    if args.show is not None:
        r = run_one(args.show, tg, torch, known)
        print(r.program.script())
        if r.divergence is None:
            print("# no divergence")
            return 0
        print(r.divergence.describe())
        print(f"# category: {category(r.program, r.divergence)}" + (f" (known: {r.known})" if r.known else ""))
        small, d = shrink(r.program, r.divergence, tg, torch, skip=split_known(known)[0])
        print("\n# shrunk:\n" + script(small, d))
        return 1

    t0 = time.perf_counter()
    report = fuzz(args.programs, args.seed, tg, torch, known=known,
                  shrink_categories=0 if args.catalogue else args.shrink, progress=500)
    print(report.summary(limit=200))
    if args.rows:
        rows = Counter(s.op for r in report.results for s in r.program.stmts)
        print("\n".join(f"  {c:6d}  {op}" for op, c in rows.most_common()))
    if args.catalogue:
        with open(args.catalogue, "w") as f:
            f.write(catalogue(report, tg, torch, known))
        print(f"catalogue written to {args.catalogue} ({time.perf_counter() - t0:.0f} s)")
    else:
        print(report.details())
    stale = report.stale_known()
    if stale:
        print(f"known-failure entries that no longer fail: {stale}")
    return 1 if report.unknown or report.invalid else 0


if __name__ == "__main__":
    sys.exit(main())
