"""A differential fuzzer: generated PyTorch programs run on torch and on teachgrad, compared
statement by statement.

- program.py    statements and programs (and their printing as runnable scripts)
- generator.py  seeded generation with PyTorch in the loop (shapes, dtypes, aliases read from torch)
- args.py       operand samplers (tensors, broadcast partners, dims, shapes, indices, ...)
- ops.py        the op table: one row per op
- executor.py   runs a program on one library and observes everything after each statement
- compare.py    what must be equal, and how exactly (bit for bit / ulp / drift tolerances)
- shrink.py     reduces a failing program to a minimal script
- runner.py     runs many programs and reports divergences by root cause

Run it: ``pytest tests/test_fuzz.py`` (seed and count from TEACHGRAD_FUZZ_SEED,
TEACHGRAD_FUZZ_PROGRAMS), or ``python tests/fuzz --help`` for reports and the findings catalogue.
"""

from .runner import fuzz, run_one, settings  # noqa: F401
