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
    # Observations teachgrad cannot give yet (missing attributes) or gets wrong everywhere:
    "field:base",              # Tensor._base does not exist
    "field:contiguous",        # Tensor.is_contiguous() does not exist
    "field:memory sharing",    # basic indexing, T, ... copy instead of returning views
    "field:grad_fn",           # square/maximum/clamp(tensor)/repeat/index/matmul/in-place nodes
    "field:next_functions",    # ToCopyBackward0 for dtype promotion, missing SliceBackward0/ExpandBackward0

    # Missing ops, methods and arguments (AttributeError / TypeError on teachgrad)
    "amax", "bmm", "clip_grad_norm", "Conv2d", "conv2d", "cumsum", "diagonal", "forward_hook", "gather", "hook",
    "leaky_relu", "legacy", "legacy_reduction", "log1p", "logsumexp", "masked_fill", "masked_fill_", "max_pool2d",
    "maximum", "module_list", "narrow", "optimizer", "out_kw", "pow_", "prod", "scheduler", "select", "small_modules",
    "var_std", "default_dtype", "all_any", "bool_ops", "int_scalar_op", "autograd_grad", "cross_entropy",
    "cross_entropy_probs", "python_value",

    # Views and in-place semantics (missing errors, stale views, wrong graph after in-place)
    "index", "inplace_through_view", "setitem", "setitem_mask", "setitem_tensor", "copy_", "zero_fill_", "random_",
    "detach_", "no_grad_inplace", "t", "repeat", "expand_as",

    # In-place dtype rules and other missing errors / different messages
    "add_", "scalar_", "sub_mul_div_", "clamp_", "err_int_inplace", "err_inplace_broadcast", "err_bool_sub", "sub",
    "scalar_op", "err_dtype", "err_matmul", "err_view", "err_gather", "err_grad_unused", "err_index", "grad_assign",
    "F_linear", "matmul",

    # NumPy tracebacks on 0-d tensors and dims PyTorch accepts
    "sum_dim", "max_min_dim", "mean", "norm", "transpose",

    # Arithmetic not in PyTorch's order (float32/float64 sums, linspace/arange, powers, division, FMA)
    "sum", "mse_loss", "mse_broadcast", "l1_loss", "nll_loss", "linspace", "arange", "pow_int", "pow_special",
    "add_alpha", "div", "reciprocal", "no_grad", "max_min", "stack",

    # Wrong values/dtypes in edge cases (NaN propagation, type promotion, signed zeros)
    "max_binary", "clamp", "clamp_tensor",
]

REGISTRY = [
    # Missing exports
    "accelerator.current_accelerator", "accelerator.is_available", "backends.mps.is_available", "get_default_device",
    "set_default_device", "set_default_dtype", "autograd.Variable", "amax", "amin", "bmm", "cumsum", "diagonal",
    "gather", "log1p", "logsumexp", "masked_fill", "narrow", "prod", "select", "std", "var",
    "Tensor.amax", "Tensor.amin", "Tensor.bmm", "Tensor.cumsum", "Tensor.diagonal", "Tensor.gather",
    "Tensor.is_contiguous", "Tensor.log1p", "Tensor.logsumexp", "Tensor.masked_fill", "Tensor.masked_fill_",
    "Tensor.maximum", "Tensor.minimum", "Tensor.narrow", "Tensor.prod", "Tensor.register_hook", "Tensor.select",
    "Tensor.std", "Tensor.stride", "Tensor.var", "nn.Conv2d", "nn.LeakyReLU", "nn.MaxPool2d",
    "nn.Module.register_forward_hook", "nn.Module.register_forward_pre_hook", "nn.Module.register_full_backward_hook",
    "nn.functional.conv2d", "nn.functional.leaky_relu", "nn.functional.max_pool2d", "nn.utils.clip_grad_norm_",
    "optim.RMSprop", "optim.lr_scheduler.ExponentialLR", "optim.lr_scheduler.StepLR", "utils.data.DataLoader",
    "utils.data.TensorDataset",
    # Missing arguments: out=, label_smoothing=
    "add", "mul", "nn.CrossEntropyLoss", "nn.functional.cross_entropy",
    # Legacy constructors and Size
    "Tensor", "FloatTensor", "DoubleTensor", "Size",
    # grad_fn names
    "Tensor.contiguous", "Tensor.square", "square", "Tensor.zero_", "clamp", "max", "maximum", "minimum",
    "Tensor.repeat",
    # Missing errors and different messages
    "Tensor.add_", "Tensor.grad", "Tensor.view", "autograd.grad", "mm",
    # Arithmetic not in PyTorch's order
    "sum", "mean", "nn.MSELoss", "nn.functional.mse_loss", "nn.NLLLoss", "linspace", "arange", "pow", "Tensor.pow",
    "div", "Tensor.div", "reciprocal", "Tensor.reciprocal", "Tensor.expand_as",
]

TUTORIALS = [
    "basics_buildmodel",         # torch.accelerator
    "basics_tensors",            # torch.accelerator
    "examples_autograd",         # torch.accelerator, set_default_device
    "basics_data",               # torch.utils.data
    "basics_optimization",       # torch.utils.data
    "blitz_classifier",          # torch.utils.data, nn.Conv2d, nn.MaxPool2d
    "blitz_neural_networks",     # nn.Conv2d, F.max_pool2d
    "blitz_tensors",             # out=
    "examples_optim",            # optim.RMSprop
    "examples_tensors",          # float32 sum order, x ** 3
    "examples_module",           # float32 sum order, x ** 3
    "examples_custom_function",  # float32 sum order, x ** 3
    "examples_numpy",            # float64 sum order
]
