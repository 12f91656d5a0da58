"""A fuzz program: a list of statements, each one line (or a small block) of ordinary PyTorch code.

The statements name the module ``torch`` (and ``F`` = ``torch.nn.functional``, ``nn`` = ``torch.nn``),
so the same text runs on real PyTorch and on teachgrad. Each statement carries what the comparator
and the shrinker need to know about it: what it defines, uses and writes, whether PyTorch raises on
it, and how exactly its floating-point results are reproducible (its *level*).
"""

from dataclasses import dataclass, field, replace

# Exactness levels of a statement's floating-point results (see compare.py for the tolerances).
EXACT = 0      # PyTorch computes it deterministically on every CPU: compared bit for bit
ZERO_SIGN = 1  # exact, but whether a zero is 0.0 or -0.0 depends on the CPU (maximum, minimum)
ULP = 2        # a transcendental (exp, sin, tanh, ...) of exact inputs: SLEEF may differ in the last bits
DRIFT = 3      # BLAS products, var/std/norm/prod, or anything computed from an inexact value

HEADER = [
    "import teachgrad as torch  # 'import torch' gives PyTorch's behaviour",
    "nn = torch.nn",
    "F = torch.nn.functional",
]


@dataclass(frozen=True)
class Stmt:
    src: str                      # the code (may span lines, e.g. a `with` block)
    op: str                       # the op-table row that made it
    expect: str = "ok"            # "ok" or "raises": what PyTorch does (recorded at generation)
    defines: tuple = ()           # variables it binds
    uses: tuple = ()              # variables it reads
    writes: tuple = ()            # variables it modifies in place (their aliases change too)
    level: int = EXACT            # exactness of what it computes
    backward_level: int = EXACT   # exactness of its own derivative (gradients through it)
    grad_root: str = None         # the output whose graph it differentiates (backward, autograd.grad)
    touches_grads: bool = False   # it reads or changes leaves' .grad (zeroing, optimizer steps, ...)
    tags: tuple = ()              # features, e.g. "inplace-view", "inplace-aliased", "no_grad"
    leaf: tuple = None            # for literal leaves: (values, dtype name, requires_grad) - for shrinking

    def with_src(self, src, **kw):
        return replace(self, src=src, **kw)


@dataclass
class Program:
    seed: int
    stmts: list = field(default_factory=list)

    def ops(self):
        return [s.op for s in self.stmts]

    def source(self):
        return "\n".join(s.src for s in self.stmts)

    def script(self, stop=None, footer=()):
        """A runnable script: statements PyTorch rejects are wrapped so the script goes on, and
        prints what they raise; the last statement (the divergent one) runs bare."""
        lines = list(HEADER)
        stmts = self.stmts if stop is None else self.stmts[: stop + 1]
        for i, s in enumerate(stmts):
            if s.expect == "raises" and i != len(stmts) - 1:
                lines.append("try:")
                lines.extend("    " + ln for ln in s.src.splitlines())
                lines.append("except Exception as e:")
                lines.append("    print(type(e).__name__ + ':', e)")
            else:
                lines.extend(s.src.splitlines())
        lines.extend(footer)
        return "\n".join(lines) + "\n"
