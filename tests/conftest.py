"""Suite-wide pytest set-up for teachgrad.

- In CI (environment variable CI set to a true value) the comparison with real PyTorch is mandatory:
  if ``torch`` cannot be imported the session fails at once instead of silently skipping those tests.
  Outside CI, tests that need torch may skip with ``pytest.importorskip("torch")``.
- The nbval sanitize file named in pyproject's addopts is made absolute, so pytest can be started
  from any directory.
"""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def in_ci():
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off")


def pytest_configure(config):
    sanitize = getattr(config.option, "nbval_sanitize_with", None)
    if sanitize and not os.path.isabs(sanitize) and not os.path.exists(sanitize):
        candidate = ROOT / sanitize
        if candidate.exists():
            config.option.nbval_sanitize_with = str(candidate)

    if in_ci():
        try:
            import torch  # noqa: F401  (the specification the engine is compared with)
        except Exception as exc:  # ImportError, or a broken install
            raise pytest.UsageError(
                "CI is set but PyTorch cannot be imported "
                f"({type(exc).__name__}: {exc}); the torch comparison tests must run in CI. "
                "Install it with: pip install torch==2.13.0"
            )


# tests/data holds inputs for the tests (e.g. a sample lesson for the instructor tooling); nbval
# must not collect those notebooks as tests of their own.
collect_ignore_glob = ["data/*"]
