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

FUZZ = [
    # Observations teachgrad cannot give yet, or gets wrong in many places:
    "field:base",              # matmul/Linear results on 1-D input have a _base
    "field:contiguous",        # elementwise ops and clone() do not keep the input's layout
    "field:memory sharing",    # x[()] is a copy; autograd.grad(y, [x, x]) gives two tensors
    "field:grad_fn",           # clamp(tensor), batched matmul, copy_/normal_/setitem nodes
    "field:next_functions",    # missing SliceBackward0/ExpandBackward0 links
    "field:warnings",          # NumPy's "invalid value encountered in reduce" escapes from sums with inf

    # Missing ops, methods and arguments (AttributeError / TypeError on teachgrad)
    "amax", "clip_grad_norm", "Conv2d", "conv2d", "cumsum", "forward_hook", "gather", "hook", "leaky_relu",
    "legacy_reduction", "log1p", "logsumexp", "masked_fill", "masked_fill_", "max_pool2d", "maximum",
    "module_list", "optimizer", "pow_", "prod", "scheduler", "small_modules", "var_std", "all_any", "int_scalar_op",
    "autograd_grad", "cross_entropy", "cross_entropy_probs", "clamp_",

    # Views and in-place ops (diagonal's backward writes into a read-only array, expanded views,
    # setitem casting, requires_grad after copy_)
    "diagonal", "index", "inplace_through_view", "setitem", "setitem_tensor", "reshape",

    # Missing errors and different messages
    "add_", "sub_mul_div_", "err_bool_sub", "err_gather", "err_grad_unused", "err_inplace_broadcast", "err_matmul",
    "err_view", "F_linear", "matmul", "sub",

    # NumPy tracebacks on 0-d tensors with dim=0/-1
    "sum_dim", "max_min_dim", "mean", "norm", "transpose",

    # Arithmetic not in PyTorch's order (float32/float64 sums, x ** 3, pow(-0.5), alpha, gradients of
    # division and reciprocal) and signed zeros
    "sum", "mse_loss", "mse_broadcast", "l1_loss", "nll_loss", "pow_int", "pow_special", "add_alpha", "reciprocal",
    "no_grad", "cat", "linear", "relu",

    # Type promotion with tensor bounds
    "clamp", "clamp_tensor",
]

REGISTRY = [
    # Legacy constructors give float32 whatever their name
    "BoolTensor", "DoubleTensor", "IntTensor", "LongTensor",
    # torch.where with two Python scalars gives float64
    "where",
    "Tensor.untyped_storage",
]

TUTORIALS = []
