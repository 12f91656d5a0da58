"""The lessons' stored outputs hold under other CPU settings, not only on the machine that recorded them.

NumPy picks SIMD code by CPU (AVX-512, AVX2, SSE) and OpenBLAS picks its matrix kernels by CPU; either
may round a last bit differently, and a long training run can magnify that. The whole series runs
under strict nbval (one process per setting, every lesson of both editions in it) with:

- NumPy's AVX-512 code paths disabled (``NPY_DISABLE_CPU_FEATURES``): what a CPU with AVX2 but no
  AVX-512 computes. On a CPU without AVX-512 every dispatched path above NumPy's baseline is disabled
  instead, so the setting still changes which code runs;
- OpenBLAS forced to another kernel family (``OPENBLAS_CORETYPE``: Sandybridge, or Prescott where
  Sandybridge is already the setting), with ``OPENBLAS_L2_SIZE`` left as the machine sets it.

The default setting is the ordinary nbval run of notebooks/ (pyproject's addopts).
"""

import os

import pytest

from lesson_runs import copy_lessons, run_nbval, summary


def numpy_without_fast_paths():
    """(label, value for NPY_DISABLE_CPU_FEATURES): the AVX-512 dispatch targets of this NumPy build
    when the CPU has AVX-512, otherwise every dispatch target."""
    try:
        from numpy._core import _multiarray_umath as umath  # NumPy 2
    except ImportError:  # pragma: no cover - NumPy 1.x
        from numpy.core import _multiarray_umath as umath
    dispatch = list(umath.__cpu_dispatch__)
    found = {k for k, v in umath.__cpu_features__.items() if v}
    avx512 = [t for t in dispatch if t.startswith("AVX512") or t == "X86_V4"]
    if found & set(avx512):
        return "NumPy without AVX-512", " ".join(avx512)
    return "NumPy at its baseline (no AVX-512 on this CPU)", " ".join(dispatch)


def other_openblas_kernel():
    return "Prescott" if os.environ.get("OPENBLAS_CORETYPE", "").lower() == "sandybridge" else "Sandybridge"


SETTINGS = {
    "numpy-without-avx512": lambda: dict(zip(("label", "NPY_DISABLE_CPU_FEATURES"), numpy_without_fast_paths())),
    "other-openblas-kernel": lambda: {"label": f"OpenBLAS {other_openblas_kernel()} kernels",
                                      "OPENBLAS_CORETYPE": other_openblas_kernel()},
}


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_every_lesson_under_strict_nbval(setting, tmp_path):
    variables = SETTINGS[setting]()
    label = variables.pop("label")
    env = dict(os.environ, **variables)
    lessons = copy_lessons(tmp_path / "notebooks")
    code, report = run_nbval(lessons, tmp_path, env=env)
    print(f"{label}: {variables}\n{report.strip().splitlines()[-1]}")
    assert code == 0, f"lessons under {label} ({variables}):\n{summary(report)}"
