"""The differential fuzzer (tests/fuzz/): generated PyTorch programs run on torch and on teachgrad,
compared statement by statement.

Default: 2000 programs from seed 0 (15 to 25 s; the tests that need them are marked ``fuzz``, so
``pytest -m "not course and not fuzz"`` leaves them out of a quick loop). Choose others with
TEACHGRAD_FUZZ_SEED / TEACHGRAD_FUZZ_PROGRAMS,
e.g. ``TEACHGRAD_FUZZ_SEED=5000 TEACHGRAD_FUZZ_PROGRAMS=20000 pytest tests/test_fuzz.py``; a failure
prints each root cause with a shrunk, runnable reproducer. ``python tests/fuzz --help`` has reports.

Self-check: ``TEACHGRAD_TEST_BACKEND=torch pytest tests/test_fuzz.py`` runs torch against torch
(known failures ignored): it must be 100% green, which validates the generator, executor and
comparator. The mutant tests below check the other direction: planted bugs are found and shrunk.
"""

import warnings

import pytest

from fuzz import fuzz, settings
from fuzz.generator import generate
from fuzz.ops import FINISH, OPS, ROWS
from fuzz.runner import DEFAULT_PROGRAMS, DEFAULT_SEED
from helpers import backend_is_torch, load_teachgrad, load_torch
from known_failures import FUZZ as KNOWN_FUZZ

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def report():
    seed, count = settings()
    known = () if backend_is_torch() else KNOWN_FUZZ
    return fuzz(count, seed, load_teachgrad(), load_torch(), known=known)


@pytest.mark.fuzz
def test_programs_are_valid_pytorch(report):
    """Every statement does on a fresh PyTorch run what the generator recorded (runs or raises)."""
    assert not report.invalid, report.details()


@pytest.mark.fuzz
def test_teachgrad_matches_pytorch(report):
    if report.unknown:
        pytest.fail(report.summary() + "\n\n" + report.details(), pytrace=False)
    known = [r for r in report.divergent if r.known]
    if known:
        warnings.warn(f"{len(known)} of {len(report.results)} fuzz programs diverge on entries of "
                      f"tests/known_failures.py (FUZZ): {sorted({r.known for r in known})}", stacklevel=1)


@pytest.mark.fuzz
def test_known_failures_still_fail(report):
    """An entry of known_failures.FUZZ that no program fails on any more must be removed."""
    if settings() != (DEFAULT_SEED, DEFAULT_PROGRAMS):
        pytest.skip("whether an entry still fails is decided on the default run (other runs may not exercise it)")
    stale = report.stale_known()
    assert not stale, f"these now pass: remove them from tests/known_failures.py (FUZZ): {stale}"


@pytest.mark.fuzz
def test_every_row_is_exercised(report):
    if settings() != (DEFAULT_SEED, DEFAULT_PROGRAMS):
        pytest.skip("coverage is asserted for the default run only")
    used = {s.op for r in report.results for s in r.program.stmts}
    unused = sorted({r.name for r in OPS + FINISH} - used)
    assert not unused, f"op-table rows never generated in the default run: {unused}"


def test_generation_is_deterministic():
    torch = load_torch()
    for seed in (0, 17, 1234):
        a, _ = generate(seed, torch, OPS, FINISH)
        b, _ = generate(seed, torch, OPS, FINISH)
        assert a.source() == b.source()


# ------------------------------------------------------------------------------------------------
# Mutants: torch with one planted bug stands in for teachgrad; the fuzzer must find it and shrink it.
# ------------------------------------------------------------------------------------------------

class Mutant:
    """A module that is torch except for the functions given."""

    def __init__(self, base, **overrides):
        self._base = base
        self.__dict__.update(overrides)

    def __getattr__(self, name):
        return getattr(self._base, name)


def _mutants(torch):
    def wrong_tie_maximum(a, b):
        return torch.where(a >= b, a, b)

    def exp_off(factor):
        return lambda x, *a, **k: torch.exp(x, *a, **k) * factor

    def narrow_copy(x, *a):
        return torch.narrow(x, *a).clone()

    def cat_message(tensors, *a, **k):
        try:
            return torch.cat(tensors, *a, **k)
        except RuntimeError as e:
            raise RuntimeError(str(e).replace("Sizes", "Shapes")) from None

    return {
        "maximum": (wrong_tie_maximum, ["maximum", "backward_sum"], {"grad_fn"}),
        "exp": (exp_off(1 + 2 ** -10), ["exp", "add", "backward_sum"], {"values"}),
        "narrow": (narrow_copy, ["narrow", "scalar_", "inplace_through_view"], {"memory sharing", "base", "grad_fn", "version"}),
        "cat": (cat_message, ["err_cat", "cat"], {"error message"}),
    }


@pytest.mark.parametrize("name", ["maximum", "exp", "narrow", "cat"])
def test_planted_bug_is_found_and_shrunk(name):
    torch = load_torch()
    fn, rows, kinds = _mutants(torch)[name]
    mutant = Mutant(torch, **{name: fn})
    report = fuzz(60, 0, mutant, torch, rows=[ROWS[r] for r in rows], shrink_categories=1)
    assert report.divergent, f"the planted bug in torch.{name} went unnoticed"
    ((text, d, _),) = report.shrunk.values()
    assert d.kind in kinds and name in d.op, d.describe()
    code = [ln for ln in text.splitlines() if ln and not ln.startswith(("import ", "nn = ", "F = ", "#", "print("))]
    assert len(code) <= 4, text  # a leaf or two and the op
    # The reproducer runs: on the mutant it reaches the end (or raises at its last statement).
    ns = {"torch": mutant, "nn": torch.nn, "F": torch.nn.functional}
    body = "\n".join(ln for ln in text.splitlines() if not ln.startswith(("import ", "nn = ", "F = ")))
    try:
        exec(compile(body, "<reproducer>", "exec"), ns)  # noqa: S102
    except Exception:  # noqa: BLE001
        assert d.kind in ("error message", "error type", "missing error", "teachgrad raises")


def test_last_bit_differences_of_transcendentals_are_tolerated():
    """exp off by 2 ulp (within the documented 4-ulp tolerance) is not a divergence."""
    torch = load_torch()
    mutant = Mutant(torch, exp=lambda x: torch.exp(x) * (1 + 2 * torch.finfo(x.dtype).eps))
    report = fuzz(40, 0, mutant, torch, rows=[ROWS["exp"], ROWS["backward_sum"]], shrink_categories=0)
    bad = [r for r in report.divergent if r.divergence.kind == "values"]
    assert not bad, report.summary()
