"""Reduce a failing program to a minimal one that fails the same way, and print it as a script.

"The same way": the divergence has the same kind, at the same statement, on the same variable.
Candidates must stay valid PyTorch: no statement may hit an unbound name, and every statement
PyTorch accepted in the original must still be accepted. Steps: drop everything after the
divergent statement; remove chunks of statements (halves, quarters, ... single statements) while
the failure persists; then simplify leaf values (round to one decimal, to integers, to ones) and
drop requires_grad where it does not matter.
"""

import math
import re
from dataclasses import replace

from .compare import compare_runs
from .executor import run
from .generator import leaf_source
from .program import Program


class Shrinker:
    def __init__(self, program, divergence, tg, torch, budget=400, skip=frozenset()):
        self.tg, self.torch, self.skip = tg, torch, skip
        self.seed = program.seed
        self.target = program.stmts[divergence.index]
        self.kind, self.var = divergence.kind, divergence.var
        self.stmts = list(program.stmts[: divergence.index + 1])
        self.budget = budget
        self.evaluations = 0
        first = self.stmts[0]
        self.pinned = first if first.op == "manual_seed" and first is not self.target else None
        self.divergence = divergence

    def fails(self, stmts, seed=None):
        """The divergence of candidate `stmts` if it fails the same way, else None. The program's
        manual_seed line stays first (random ops must draw the same numbers on both sides)."""
        if self.evaluations >= self.budget or not stmts or stmts[-1] is not self.target:
            return None
        if self.pinned is not None and stmts[0] is not self.pinned and seed is None:
            return None
        self.evaluations += 1
        p = Program(self.seed, list(stmts))
        t = run(p, self.torch, seed=seed)
        for s, snap in zip(p.stmts, t):
            if snap.outcome[0] == "raised" and (snap.outcome[1] == "NameError" or (s.expect == "ok" and s is not self.target)):
                return None
        g = run(p, self.tg, seed=seed)
        d = compare_runs(p, t, g, self.skip)
        if d and d.index == len(stmts) - 1 and d.kind == self.kind and d.var == self.var:
            return d
        return None

    def remove_chunks(self):
        size = max(1, (len(self.stmts) - 1) // 2)
        while True:
            removed = False
            i = 0 if self.pinned is None else 1
            while i < len(self.stmts) - 1:
                end = min(i + size, len(self.stmts) - 1)
                cand = self.stmts[:i] + self.stmts[end:]
                d = self.fails(cand)
                if d:
                    self.stmts, self.divergence, removed = cand, d, True
                else:
                    i += size
            if size == 1 and not removed:
                return
            size = max(1, size // 2)

    def simplify_leaves(self):
        for idx, s in enumerate(list(self.stmts)):
            if s.leaf is None or idx == len(self.stmts) - 1:
                continue
            values, dtype, rg, shape = s.leaf
            variants = []
            if dtype in ("float32", "float64") and 0 not in shape:
                variants += [_map(values, lambda v: round(v, 1)), _map(values, lambda v: float(round(v))),
                             _map(values, lambda v: 1.0)]
            for vals in variants:
                if vals == values:
                    continue
                d = self._try_leaf(idx, vals, dtype, rg, shape)
                if d:
                    values = vals
                    break
            if rg:
                self._try_leaf(idx, values, dtype, False, shape)

    def _try_leaf(self, idx, values, dtype, rg, shape):
        s = self.stmts[idx]
        name = s.defines[0]
        new = replace(s, src=leaf_source(name, values, dtype, rg, shape), leaf=(values, dtype, rg, shape))
        cand = self.stmts[:idx] + [new] + self.stmts[idx + 1:]
        d = self.fails(cand)
        if d:
            self.stmts, self.divergence = cand, d
        return d

    def shrink(self):
        if not self.fails(self.stmts):
            # Not reproducible in isolation (should not happen: runs are deterministic).
            return Program(self.seed, self.stmts), self.divergence
        self.remove_chunks()
        self.simplify_leaves()
        self.remove_chunks()
        self.bypass()
        if self.pinned is not None:  # no random op left: the seed line is noise
            rest = self.stmts[1:]
            found = [self.fails(rest, seed=s) for s in (1, 2)]
            if all(found):
                self.stmts, self.divergence = rest, found[0]
        return Program(self.seed, self.stmts), self.divergence

    def bypass(self):
        """Drop a statement `b = f(a)` by using `a` where later statements use `b`."""
        i = 0
        while i < len(self.stmts) - 1:
            s = self.stmts[i]
            done = False
            if len(s.defines) == 1 and s.op not in ("leaf", "manual_seed"):
                for u in s.uses:
                    cand = self.stmts[:i] + [_rename(t, s.defines[0], u) for t in self.stmts[i + 1:]]
                    if cand[-1].src == self.target.src:
                        cand[-1] = self.target  # unchanged: keep the identity the checks rely on
                    else:
                        self.target = cand[-1]
                    d = self.fails(cand)
                    if d:
                        self.stmts, self.divergence, done = cand, d, True
                        break
                    self.target = self.stmts[-1]
            if not done:
                i += 1


def _map(values, f):
    if isinstance(values, list):
        return [_map(v, f) for v in values]
    if isinstance(values, float) and not math.isfinite(values):
        return values
    return f(values)


def shrink(program, divergence, tg, torch, budget=400, skip=frozenset()):
    """(minimal program, its divergence)."""
    return Shrinker(program, divergence, tg, torch, budget, skip).shrink()


FOOTERS = {
    "shape": "print({v}.shape)",
    "dtype": "print({v}.dtype)",
    "values": "print({v}.tolist())",
    "requires_grad": "print({v}.requires_grad)",
    "is_leaf": "print({v}.is_leaf)",
    "grad_fn": "print({v}.grad_fn)",
    "next_functions": "print({v}.grad_fn.next_functions)",
    "grad": "print({v}.grad if {v}.grad is None else {v}.grad.tolist())",
    "base": "print({v}._base)",
    "contiguous": "print({v}.is_contiguous())",
    "version": "print({v}._version)",
    "value": "print(repr({v}))",
}


def script(program, divergence):
    """The minimal program as a runnable script that prints the observation which differs."""
    d = divergence
    footer = []
    if d.kind in FOOTERS and d.var:
        footer.append(FOOTERS[d.kind].format(v=d.var))
    elif d.kind == "memory sharing":
        footer.append("import numpy as np")
        for a, b in list(d.torch) + list(d.tg):
            footer.append(f"print('{a} and {b} share memory:', np.shares_memory({a}.detach().numpy(), {b}.detach().numpy()))")
    footer.append(f"# {d.kind} differs{d.detail}")
    footer.append("# torch:     " + _oneline(d.torch))
    footer.append("# teachgrad: " + _oneline(d.tg))
    return program.script(footer=footer)


def _oneline(x, limit=300):
    s = x if isinstance(x, str) else repr(x)
    s = s.replace("\n", "\\n")
    return s if len(s) <= limit else s[:limit] + "..."


def _rename(stmt, old, new):
    """stmt with variable `old` replaced by `new` (whole names only: v1 does not touch v12)."""
    pattern = re.compile(r"(?<![\w.])" + re.escape(old) + r"(?!\w)")
    if not pattern.search(stmt.src):
        return stmt

    def sub(names):
        return tuple(dict.fromkeys(new if n == old else n for n in names))
    return replace(stmt, src=pattern.sub(new, stmt.src), uses=sub(stmt.uses), writes=sub(stmt.writes),
                   grad_root=new if stmt.grad_root == old else stmt.grad_root)
