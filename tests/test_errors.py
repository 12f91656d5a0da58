"""Errors compared with real PyTorch 2.13: the same exception type and the same message, taken from
torch itself at test time (not a copy). Three groups:

- LISTED: the errors learners meet first (exact type and message);
- COMMON: other mistakes learners make daily (shape and dimension errors; exact type and message);
- BAD_INPUT: nonsense input (ragged lists, strings, wrong argument types): the same exception type
  as PyTorch, a non-empty message, and raised by teachgrad itself, not from deep inside NumPy.
"""

import pytest

from helpers import both, capture_error, raised_outside_numpy, same_error

pytest.importorskip("torch")


def _nonleaf(t):
    return t.ones(2, requires_grad=True) * 2


def _twice(t):
    x = t.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _twice_vector(t):
    x = t.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.backward(t.ones(2))
    y.backward(t.ones(2))


def _set_rg(t, target, value):
    target.requires_grad = value


LISTED = {
    # backward on something that does not require grad
    "backward_no_grad_sum": lambda t: t.tensor([[1., -1.], [1., -1.]]).sum().backward(),
    "backward_no_grad_leaf": lambda t: t.tensor(1.0).backward(),
    "backward_no_grad_int": lambda t: t.tensor([1, 2]).sum().backward(),
    "backward_under_no_grad": lambda t: _under_no_grad(t),
    "backward_detached": lambda t: (t.ones(1, requires_grad=True) * 2).detach().sum().backward(),
    # implicit gradient for a non-scalar
    "implicit_grad_vector": lambda t: (t.ones(3, requires_grad=True) * 2).backward(),
    "implicit_grad_matrix": lambda t: (t.ones(2, 2, requires_grad=True) + 2).backward(),
    # backward twice
    "backward_twice": _twice,
    "backward_twice_vector": _twice_vector,
    # requires_grad on a non-leaf
    "set_rg_false_nonleaf": lambda t: _set_rg(t, _nonleaf(t), False),
    "set_rg_true_nonleaf": lambda t: _set_rg(t, _nonleaf(t), True),
    "rg_method_false_nonleaf": lambda t: _nonleaf(t).requires_grad_(False),
    # requires_grad on integer / bool tensors
    "int_tensor_rg": lambda t: t.tensor([1, 2], requires_grad=True),
    "int_scalar_rg": lambda t: t.tensor(3, requires_grad=True),
    "bool_tensor_rg": lambda t: t.tensor([True], requires_grad=True),
    "int_ones_rg": lambda t: t.ones(2, dtype=t.int64, requires_grad=True),
    "int_arange_rg": lambda t: t.arange(3, requires_grad=True),
    "int_zeros_like_rg": lambda t: t.zeros_like(t.tensor([1]), requires_grad=True),
    "int_rg_method": lambda t: t.tensor([1, 2]).requires_grad_(),
    "int_rg_setter": lambda t: _set_rg(t, t.tensor([1, 2]), True),
    # in-place op on a leaf that requires grad
    "inplace_add_leaf": lambda t: t.ones(2, requires_grad=True).add_(1),
    "inplace_sub_leaf": lambda t: t.ones(2, requires_grad=True).sub_(1),
    "inplace_mul_leaf": lambda t: t.ones(2, requires_grad=True).mul_(1),
    "inplace_zero_leaf": lambda t: t.ones(2, requires_grad=True).zero_(),
    "inplace_fill_leaf": lambda t: t.ones(2, requires_grad=True).fill_(0),
    "inplace_copy_leaf": lambda t: t.ones(2, requires_grad=True).copy_(t.zeros(2)),
    "inplace_iadd_leaf": lambda t: _iadd(t),
    # wrong gradient shape
    "grad_shape_vector": lambda t: (t.ones(3, requires_grad=True) * 2).backward(t.ones(2)),
    "grad_shape_scalar_given_vector": lambda t: t.ones(3, requires_grad=True).sum().backward(t.ones(2)),
    "grad_shape_vector_given_scalar": lambda t: (t.ones(3, requires_grad=True) * 2).backward(t.tensor(1.0)),
    "grad_shape_matrix": lambda t: (t.ones(2, 3, requires_grad=True) * 2).backward(t.ones(3, 2)),
    # matmul shape mismatch
    "mm_mismatch": lambda t: t.ones(2, 3).mm(t.ones(2, 3)),
    "matmul_2d_mismatch": lambda t: t.ones(2, 3) @ t.ones(2, 3),
    "matmul_1d_1d_mismatch": lambda t: t.ones(2) @ t.ones(3),
    "matmul_2d_1d_mismatch": lambda t: t.ones(2, 3) @ t.ones(2),
    "matmul_1d_2d_mismatch": lambda t: t.ones(3) @ t.ones(2, 3),
    "matmul_batched_mismatch": lambda t: t.ones(2, 3, 4) @ t.ones(3, 5),
    "torch_matmul_mismatch": lambda t: t.matmul(t.ones(4, 5), t.ones(4, 5)),
    "mm_grad_mismatch": lambda t: t.ones(2, 3, requires_grad=True).mm(t.ones(4, 1)),
    # .item() on many elements
    "item_many": lambda t: t.ones(3).item(),
    "item_matrix": lambda t: t.ones(2, 2, requires_grad=True).item(),
    "item_empty": lambda t: t.tensor([]).item(),
}


def _under_no_grad(t):
    x = t.ones(2, requires_grad=True)
    with t.no_grad():
        y = (x * 2).sum()
    y.backward()


def _iadd(t):
    w = t.ones(2, requires_grad=True)
    w += 1


@pytest.mark.parametrize("name", list(LISTED))
def test_listed_error(name):
    same_error(LISTED[name])


COMMON = {
    "broadcast_add": lambda t: t.ones(3) + t.ones(2),
    "broadcast_mul_2d": lambda t: t.ones(2, 3) * t.ones(2),
    "broadcast_where": lambda t: t.where(t.ones(2) > 0, t.ones(3), t.ones(2)),
    "view_invalid": lambda t: t.ones(3).view(2, 2),
    "reshape_invalid": lambda t: t.ones(6).reshape(4, -1),
    "view_two_inferred": lambda t: t.ones(6).view(3, -1, -1),
    "sum_dim_out_of_range": lambda t: t.ones(2, 3).sum(dim=2),
    "mean_dim_out_of_range": lambda t: t.ones(2).mean(dim=1),
    "max_dim_out_of_range": lambda t: t.ones(2).max(dim=3),
    "softmax_dim_out_of_range": lambda t: t.ones(2, 3).softmax(dim=2),
    "unsqueeze_dim_out_of_range": lambda t: t.ones(2, 3).unsqueeze(4),
    "transpose_dim_out_of_range": lambda t: t.ones(2, 3).transpose(0, 2),
    "squeeze_dim_out_of_range": lambda t: t.ones(2).squeeze(2),
    "index_out_of_bounds": lambda t: t.ones(3)[5],
    "index_out_of_bounds_dim1": lambda t: t.ones(2, 3)[0, 5],
    "too_many_indices": lambda t: t.ones(2)[0, 0],
    "bool_ambiguous": lambda t: bool(t.ones(2)),
    "if_ambiguous": lambda t: 1 if t.tensor([1.0, 2.0]) > 0 else 0,
    "float_many": lambda t: float(t.ones(2)),
    "int_many": lambda t: int(t.ones(2)),
    "mean_of_int": lambda t: t.tensor([1, 2]).mean(),
    "cat_sizes": lambda t: t.cat([t.ones(2, 3), t.ones(2, 4)]),
    "cat_dims": lambda t: t.cat([t.ones(2), t.ones(2, 2)]),
    "stack_sizes": lambda t: t.stack([t.ones(2), t.ones(3)]),
    "expand_invalid": lambda t: t.ones(2, 3).expand(4, 3),
    "mm_vector": lambda t: t.ones(3).mm(t.ones(3, 3)),
    "matmul_0d": lambda t: t.tensor(1.0) @ t.ones(2),
    "numpy_requires_grad": lambda t: t.ones(2, requires_grad=True).numpy(),
    "assign_grad_wrong_size": lambda t: setattr(t.ones(2, requires_grad=True), "grad", t.ones(3)),
    "len_0d": lambda t: len(t.tensor(1.0)),
    "iter_0d": lambda t: iter(t.tensor(1.0)),
    "int_negative_power": lambda t: t.tensor([2]) ** -1,
    "where_non_bool_condition": lambda t: t.where(t.ones(2), t.ones(2), t.ones(2)),
    "clamp_without_bounds": lambda t: t.ones(2).clamp(),
    "permute_duplicate": lambda t: t.ones(2, 3).permute(0, 0),
    "ones_negative": lambda t: t.ones(-1),
    "ragged_list": lambda t: t.tensor([[1, 2], [3]]),
    "ragged_list_longer": lambda t: t.tensor([[1, 2], [3, 4, 5]]),
    "tensor_of_vectors": lambda t: t.tensor([t.ones(2), t.ones(2)]),
    "cat_empty": lambda t: t.cat([]),
}


@pytest.mark.parametrize("name", list(COMMON))
def test_common_error(name):
    same_error(COMMON[name])


BAD_INPUT = {
    "string": lambda t: t.tensor("abc"),
    "list_of_strings": lambda t: t.tensor(["a", "b"]),
    "mixed_number_string": lambda t: t.tensor([1, "a"]),
    "none": lambda t: t.tensor(None),
    "dict": lambda t: t.tensor({"a": 1}),
    "ragged_depth": lambda t: t.tensor([[1, 2], 3]),
    "dtype_as_string": lambda t: t.tensor([1, 2], dtype="float32"),
    "numpy_strings": lambda t: t.tensor(__import__("numpy").array(["a"])),
    "from_numpy_list": lambda t: t.from_numpy([1.0, 2.0]),
    "add_string": lambda t: t.ones(2) + "a",
    "add_none": lambda t: t.ones(2) + None,
    "backward_gradient_list": lambda t: (t.ones(3, requires_grad=True) * 2).backward([1.0, 1.0, 1.0]),
    "set_is_leaf": lambda t: setattr(t.ones(2), "is_leaf", False),
    "set_grad_fn": lambda t: setattr(t.ones(2), "grad_fn", None),
    "float_index": lambda t: t.ones(3)[1.5],
    "to_cuda": lambda t: t.ones(2).to("cuda"),
}


@pytest.mark.parametrize("name", list(BAD_INPUT))
def test_bad_input_gives_clear_error(name):
    got, want = same_error(BAD_INPUT[name], message=False)
    assert str(got).strip(), f"empty message from {type(got).__name__}"
    assert raised_outside_numpy(got), f"raised from inside NumPy: {got!r}"


@pytest.mark.parametrize("name", list(LISTED) + list(COMMON))
def test_no_numpy_traceback(name):
    """Even the errors PyTorch spells out must come from teachgrad, not a NumPy internals frame."""
    tg, _ = both()
    fn = {**LISTED, **COMMON}[name]
    assert raised_outside_numpy(capture_error(fn, tg))


def test_error_leaves_state_usable():
    """After a failed backward, the leaf can still be used (no half-updated state)."""
    for t in both():
        x = t.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError):
            (x * 2).backward()
        assert x.grad is None
        (x * 2).sum().backward()
        assert x.grad.tolist() == [2.0, 2.0, 2.0]
