"""What teachgrad is known not to do yet: the one place where the differential tests are told so.

Each entry is reported, never silently skipped: the fuzz test warns how many programs it excused
and on which entries, the registry and tutorial tests mark their entries xfail with the reason.
Every entry must still fail: once teachgrad gets it right, the test fails and asks for the entry to
be removed. The goal is three empty lists. The root cause of each entry, with a minimal program,
is in the findings catalogue the fuzzer writes (``python tests/fuzz --catalogue FILE``).

FUZZ entries are op-table rows of tests/fuzz/ops.py (a program whose first divergence comes at or
after a statement of that row is excused), or "field:NAME": that observation is not compared at
all ("field:base" = ``_base``, "field:contiguous" = ``is_contiguous()``, "field:grad_fn",
"field:next_functions", "field:memory sharing" = which variables share memory).
REGISTRY entries are row names of tests/test_registry.py; TUTORIALS entries are program names of
tests/tutorials/.
"""

FUZZ = []

REGISTRY = []

TUTORIALS = []
