"""Run many fuzz programs on PyTorch and on the library under test; collect and report divergences."""

import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .compare import check_expectations, compare_runs
from .executor import run
from .generator import generate
from .ops import FINISH, OPS
from .shrink import script, shrink

SEED_ENV = "TEACHGRAD_FUZZ_SEED"
PROGRAMS_ENV = "TEACHGRAD_FUZZ_PROGRAMS"
DEFAULT_SEED = 0
DEFAULT_PROGRAMS = 2000


def settings():
    """(first seed, number of programs) from the environment, defaults otherwise."""
    seed = int(os.environ.get(SEED_ENV, DEFAULT_SEED))
    count = int(os.environ.get(PROGRAMS_ENV, DEFAULT_PROGRAMS))
    return seed, count


@dataclass
class Result:
    seed: int
    program: object
    divergence: object = None
    invalid: list = field(default_factory=list)
    known: str = None
    features: set = field(default_factory=set)
    masked: set = field(default_factory=set)    # fields that differed but are known to (field:... entries)

    @property
    def category(self):
        return category(self.program, self.divergence)


def features(stmts):
    """Op-table rows and tags of these statements (what a known-failure entry can name)."""
    out = set()
    for s in stmts:
        out.add(s.op)
        out.update(s.tags)
    return out


def category(program, d):
    """A cheap root-cause key for a divergence: the op of the divergent statement and what differs."""
    if d is None:
        return None
    stmt = program.stmts[d.index]
    kind = d.kind
    if kind == "teachgrad raises":
        kind += " " + d.tg.split(":", 1)[0]
    if d.var is not None and d.var not in stmt.defines:
        kind += " (of an alias)" if d.var in stmt.writes or d.kind in ("values", "version", "base") else " (of another variable)"
        if d.kind == "grad":
            kind = "grad"
    return f"{d.op}: {kind}"


def split_known(known):
    """Known-failure entries naming fields ("field:base") are not compared; the others (op-table
    rows and tags) excuse a program whose divergence comes at or after a statement using them."""
    fields = frozenset(k.split(":", 1)[1] for k in known if k.startswith("field:"))
    return fields, frozenset(k for k in known if not k.startswith("field:"))


def run_one(seed, tg, torch, known=(), rows=None):
    skip, known = split_known(known)
    program, _ = generate(seed, torch, OPS if rows is None else rows, FINISH)
    t = run(program, torch)
    invalid = check_expectations(program, t)
    g = run(program, tg)
    masked = set()
    d = compare_runs(program, t, g, skip, masked)
    r = Result(seed, program, d, invalid, masked={f"field:{m}" for m in masked})
    upto = program.stmts if d is None else program.stmts[: d.index + 1]
    r.features = features(upto)
    if d is not None:
        hits = sorted(r.features & set(known))
        r.known = hits[0] if hits else None
    return r


@dataclass
class Report:
    results: list
    seconds: float
    known: tuple
    shrunk: dict = field(default_factory=dict)   # category -> (script, divergence, original size)

    @property
    def divergent(self):
        return [r for r in self.results if r.divergence is not None]

    @property
    def unknown(self):
        return [r for r in self.divergent if r.known is None]

    @property
    def invalid(self):
        return [r for r in self.results if r.invalid]

    def by_category(self, results=None):
        groups = defaultdict(list)
        for r in (self.divergent if results is None else results):
            groups[r.category].append(r)
        return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))

    def stale_known(self):
        """Known-failure entries exercised by programs none of which diverge any more."""
        seen = Counter()
        failing = Counter()
        for r in self.results:
            feats = features(r.program.stmts) | {k for k in self.known if k.startswith("field:")}
            for k in self.known:
                if k in feats:
                    seen[k] += 1
            for k in r.masked:
                failing[k] += 1
            if r.known:
                failing[r.known] += 1
                for k in self.known:
                    if k in r.features:
                        failing[k] += 1
        return sorted(k for k in self.known if seen[k] and not failing[k])

    def summary(self, limit=40):
        n = len(self.results)
        stmts = sum(len(r.program.stmts) for r in self.results)
        raises = sum(s.expect == "raises" for r in self.results for s in r.program.stmts)
        lines = [f"{n} programs ({stmts} statements, {raises} of which PyTorch rejects) in {self.seconds:.1f} s: "
                 f"{len(self.divergent)} diverge ({len(self.divergent) - len(self.unknown)} on known-failing entries), "
                 f"{len(self.invalid)} invalid"]
        for cat, rs in list(self.by_category(self.unknown).items())[:limit]:
            lines.append(f"  {len(rs):5d}  {cat}")
        known = Counter(r.known for r in self.divergent if r.known)
        if known:
            lines.append("  known-failing entries (tests/known_failures.py): " +
                         ", ".join(f"{k} ({c})" for k, c in known.most_common()))
        return "\n".join(lines)

    def details(self):
        out = []
        for cat, (text, d, size) in self.shrunk.items():
            out.append(f"--- {cat}: shrunk from {size} statements\n{d.describe()}\n{text}")
        for r in self.invalid[:5]:
            out.append(f"--- program {r.seed}: PyTorch's outcome differs from the generator's record: {r.invalid[:3]}\n"
                       f"{r.program.script()}")
        return "\n".join(out)


def fuzz(count, start, tg, torch, known=(), shrink_categories=5, shrink_budget=300, progress=None, rows=None):
    """Programs start .. start + count - 1 (optionally from a subset of the op table's rows)."""
    t0 = time.perf_counter()
    results = []
    for seed in range(start, start + count):
        results.append(run_one(seed, tg, torch, known, rows))
        if progress and (seed - start + 1) % progress == 0:
            print(f"  {seed - start + 1} programs, {sum(r.divergence is not None for r in results)} diverge", flush=True)
    report = Report(results, time.perf_counter() - t0, tuple(known))
    for cat, rs in list(report.by_category(report.unknown).items())[:shrink_categories]:
        r = min(rs, key=lambda r: len(r.program.stmts))
        small, d = shrink(r.program, r.divergence, tg, torch, budget=shrink_budget, skip=split_known(known)[0])
        report.shrunk[cat] = (script(small, d), d, len(r.program.stmts))
    return report
