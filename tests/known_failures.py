"""What teachgrad is known not to do yet: the one place where the differential tests are told so.

Each entry is reported, never silently skipped: the fuzz test warns how many programs it excused
and why, the registry and tutorial tests mark their entries xfail with the reason. Every entry must
still fail: once teachgrad gets it right, the test fails and asks for the entry to be removed. The
goal is empty lists; the findings catalogue explains each entry's root cause.

FUZZ entries are op-table rows of tests/fuzz/ops.py (a program whose first divergence comes at or
after a statement of that row is excused), tags of statements ("inplace-view", ...), or
"field:NAME" (that observation, e.g. "field:base" for ``_base``, is not compared at all).
"""

FUZZ = [
]

REGISTRY = [
]

TUTORIALS = [
]
