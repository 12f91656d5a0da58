"""Every op teachgrad exports compared with real PyTorch: forward values, shape, dtype, requires_grad,
grad_fn name, and the gradient of every input (tinygrad-style one-line tests).

Run ``TEACHGRAD_TEST_BACKEND=torch pytest tests/test_ops.py`` to self-check against PyTorch itself.
"""

import numpy as np
import pytest

from helpers import check_fn, check_op, load_teachgrad, same

pytest.importorskip("torch")

BROADCAST_PAIRS = [
    [(3, 4), (3, 4)],
    [(3, 4), (4,)],
    [(4,), (3, 4)],
    [(3, 1), (1, 4)],
    [(2, 3, 4), (3, 1)],
    [(1, 3, 1), (2, 1, 4)],
    [(), (3,)],
    [(3, 4), ()],
    [(1,), (2, 3)],
]
ids = ["x".join(map(str, a)) + "_" + "x".join(map(str, b)) for a, b in BROADCAST_PAIRS]


# ---------------------------------------------------------------- binary arithmetic, broadcasting
@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=ids)
def test_add(shapes): check_op(shapes, lambda x, y: x + y)
@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=ids)
def test_sub(shapes): check_op(shapes, lambda x, y: x - y)
@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=ids)
def test_mul(shapes): check_op(shapes, lambda x, y: x * y)
@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=ids)
def test_div(shapes): check_op(shapes, lambda x, y: x / y, away_from_zero=True)
@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=ids)
def test_pow_tensor_tensor(shapes): check_op(shapes, lambda x, y: x.abs() ** y, away_from_zero=True)


def test_add_method(): check_op([(2, 3), (3,)], lambda x, y: x.add(y))
def test_sub_method(): check_op([(2, 3), (3,)], lambda x, y: x.sub(y))
def test_mul_method(): check_op([(2, 3), (3,)], lambda x, y: x.mul(y))
def test_div_method(): check_op([(2, 3), (3,)], lambda x, y: x.div(y), away_from_zero=True)
def test_torch_add(): check_fn([(2, 3), (3,)], lambda t, x, y: t.add(x, y))
def test_torch_mul(): check_fn([(2, 3), (2, 1)], lambda t, x, y: t.mul(x, y))
def test_add_alpha(): check_op([(2, 3), (3,)], lambda x, y: x.add(y, alpha=2))
def test_sub_alpha(): check_op([(2, 3), (3,)], lambda x, y: x.sub(y, alpha=0.5))
def test_torch_add_alpha(): check_fn([(2, 3), (2, 3)], lambda t, x, y: t.add(x, y, alpha=-1.5))
def test_add_same_tensor(): check_op([(3,)], lambda x: x + x)
def test_mul_same_tensor(): check_op([(3,)], lambda x: x * x)
def test_mul_chain_reuse(): check_op([(2, 2)], lambda x: (x + 2) * (x + 2) * 3)


# ---------------------------------------------------------------- with Python scalars
def test_add_scalar(): check_op([(3, 4)], lambda x: x + 2)
def test_radd_scalar(): check_op([(3, 4)], lambda x: 2 + x)
def test_add_float_scalar(): check_op([(3, 4)], lambda x: x + 2.5)
def test_sub_scalar(): check_op([(3, 4)], lambda x: x - 1.5)
def test_rsub_scalar(): check_op([(3, 4)], lambda x: 1.5 - x)
def test_mul_scalar(): check_op([(3, 4)], lambda x: x * 3)
def test_rmul_scalar(): check_op([(3, 4)], lambda x: 3 * x)
def test_div_scalar(): check_op([(3, 4)], lambda x: x / 4)
def test_rdiv_scalar(): check_op([(3, 4)], lambda x: 2 / x, away_from_zero=True)
def test_neg(): check_op([(3, 4)], lambda x: -x)
def test_neg_method(): check_op([(3, 4)], lambda x: x.neg())


# ---------------------------------------------------------------- pow
def test_pow_square(): check_op([(3, 4)], lambda x: x ** 2)
def test_pow_cube_method(): check_op([(3, 4)], lambda x: x.pow(3))
def test_pow_half(): check_op([(3, 4)], lambda x: x ** 0.5, positive=True)
def test_pow_negative(): check_op([(3, 4)], lambda x: x ** -1, away_from_zero=True)
def test_pow_zero(): check_op([(3, 4)], lambda x: x ** 0)
def test_rpow(): check_op([(3, 4)], lambda x: 2 ** x)
def test_torch_pow(): check_fn([(3, 4)], lambda t, x: t.pow(x, 2))
def test_pow_tensor_exponent_method(): check_op([(3,), (3,)], lambda x, y: x.pow(y), positive=True)


# ---------------------------------------------------------------- unary
def test_abs(): check_op([(3, 4)], lambda x: x.abs(), away_from_zero=True)
def test_exp(): check_op([(3, 4)], lambda x: x.exp())
def test_log(): check_op([(3, 4)], lambda x: x.log(), positive=True)
def test_sqrt(): check_op([(3, 4)], lambda x: x.sqrt(), positive=True)
def test_relu(): check_op([(3, 4)], lambda x: x.relu(), away_from_zero=True)
def test_sigmoid(): check_op([(3, 4)], lambda x: x.sigmoid())
def test_tanh(): check_op([(3, 4)], lambda x: x.tanh())
def test_sin(): check_op([(3, 4)], lambda x: x.sin())
def test_cos(): check_op([(3, 4)], lambda x: x.cos())
def test_torch_sin_cos(): check_fn([(5,)], lambda t, x: t.sin(x) * t.cos(x))
def test_torch_abs(): check_fn([(5,)], lambda t, x: t.abs(x), away_from_zero=True)
def test_torch_exp(): check_fn([(5,)], lambda t, x: t.exp(x))
def test_torch_log(): check_fn([(5,)], lambda t, x: t.log(x), positive=True)
def test_torch_sqrt(): check_fn([(5,)], lambda t, x: t.sqrt(x), positive=True)
def test_torch_relu(): check_fn([(5,)], lambda t, x: t.relu(x), away_from_zero=True)
def test_torch_sigmoid(): check_fn([(5,)], lambda t, x: t.sigmoid(x))
def test_torch_tanh(): check_fn([(5,)], lambda t, x: t.tanh(x))
def test_exp_large_and_small(): check_op([[-100.0, -20.0, 0.0, 20.0, 80.0]], lambda x: x.exp())
def test_sigmoid_extremes(): check_op([[-1000.0, -30.0, 0.0, 30.0, 1000.0]], lambda x: x.sigmoid())
def test_tanh_extremes(): check_op([[-1000.0, -5.0, 0.0, 5.0, 1000.0]], lambda x: x.tanh())
def test_relu_at_zero(): check_op([[-1.0, 0.0, 2.0]], lambda x: x.relu())
def test_abs_at_zero(): check_op([[-1.0, 0.0, 2.0]], lambda x: x.abs())
def test_log_of_zero(): check_op([[0.0, 1.0]], lambda x: x.log(), requires_grad=False)
def test_sqrt_of_negative(): check_op([[-1.0, 4.0]], lambda x: x.sqrt(), requires_grad=False)


# ---------------------------------------------------------------- clamp
def test_clamp_both(): check_op([(3, 4)], lambda x: x.clamp(-0.5, 0.5))
def test_clamp_min(): check_op([(3, 4)], lambda x: x.clamp(min=0))
def test_clamp_max(): check_op([(3, 4)], lambda x: x.clamp(max=0.3))
def test_torch_clamp(): check_fn([(3, 4)], lambda t, x: t.clamp(x, -1, 1))
def test_clamp_boundary_values(): check_op([[-2.0, -1.0, 0.0, 1.0, 2.0]], lambda x: x.clamp(-1, 1))


# ---------------------------------------------------------------- reductions
SHAPE3 = [(2, 3, 4)]


def test_sum(): check_op([(3, 4)], lambda x: x.sum())
def test_sum_dim0(): check_op([(3, 4)], lambda x: x.sum(dim=0))
def test_sum_dim1_positional(): check_op([(3, 4)], lambda x: x.sum(1))
def test_sum_dim_neg_keepdim(): check_op(SHAPE3, lambda x: x.sum(dim=-1, keepdim=True))
def test_sum_dim_tuple(): check_op(SHAPE3, lambda x: x.sum(dim=(0, 2)))
def test_sum_0d(): check_op([()], lambda x: x.sum())
def test_torch_sum(): check_fn([(3, 4)], lambda t, x: t.sum(x, dim=1))
def test_mean(): check_op([(3, 4)], lambda x: x.mean())
def test_mean_dim0(): check_op([(3, 4)], lambda x: x.mean(dim=0))
def test_mean_keepdim(): check_op(SHAPE3, lambda x: x.mean(1, keepdim=True))
def test_mean_dim_tuple(): check_op(SHAPE3, lambda x: x.mean(dim=(1, 2)))
def test_torch_mean(): check_fn([(3, 4)], lambda t, x: t.mean(x))
def test_max_whole(): check_op([(3, 4)], lambda x: x.max())
def test_min_whole(): check_op([(3, 4)], lambda x: x.min())
def test_max_dim(): check_op([(3, 4)], lambda x: x.max(dim=1))
def test_max_dim_keepdim(): check_op(SHAPE3, lambda x: x.max(dim=0, keepdim=True))
def test_min_dim(): check_op([(3, 4)], lambda x: x.min(0))
def test_max_dim_values(): check_op([(3, 4)], lambda x: x.max(dim=1).values)
def test_max_dim_indices(): check_op([(3, 4)], lambda x: x.max(dim=1).indices)
def test_max_dim_index0(): check_op([(3, 4)], lambda x: x.max(1)[0])
def test_min_dim_unpack(): check_op([(3, 4)], lambda x: x.min(dim=-1)[1])
def test_torch_max(): check_fn([(3, 4)], lambda t, x: t.max(x))
def test_torch_max_dim(): check_fn([(3, 4)], lambda t, x: t.max(x, dim=0))
def test_max_with_ties(): check_op([[1.0, 3.0, 3.0, 2.0]], lambda x: x.max())
def test_max_dim_with_ties(): check_op([[[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]], lambda x: x.max(dim=1))
def test_norm(): check_op([(3, 4)], lambda x: x.norm())
def test_norm_dim(): check_op([(3, 4)], lambda x: x.norm(dim=1))
def test_norm_dim_keepdim(): check_op([(3, 4)], lambda x: x.norm(dim=0, keepdim=True))
def test_torch_norm(): check_fn([(3, 4)], lambda t, x: t.norm(x))
def test_argmax(): check_op([(3, 4)], lambda x: x.argmax())
def test_argmax_dim(): check_op([(3, 4)], lambda x: x.argmax(dim=1))
def test_argmax_keepdim(): check_op([(3, 4)], lambda x: x.argmax(dim=0, keepdim=True))
def test_torch_argmax(): check_fn([(3, 4)], lambda t, x: t.argmax(x, dim=1))
def test_argmax_ties_first(): check_op([[0.0, 5.0, 5.0, 1.0]], lambda x: x.argmax())


# ---------------------------------------------------------------- softmax / log_softmax
def test_softmax_last(): check_op([(3, 4)], lambda x: x.softmax(dim=-1))
def test_softmax_dim0(): check_op([(3, 4)], lambda x: x.softmax(0))
def test_log_softmax(): check_op([(3, 4)], lambda x: x.log_softmax(dim=1))
def test_log_softmax_3d(): check_op(SHAPE3, lambda x: x.log_softmax(dim=1))
def test_torch_softmax(): check_fn([(3, 4)], lambda t, x: t.softmax(x, dim=1))
def test_torch_log_softmax(): check_fn([(3, 4)], lambda t, x: t.log_softmax(x, dim=1))
def test_softmax_large_logits(): check_op([[[1000.0, 0.0, -1000.0], [5.0, 5.0, 5.0]]], lambda x: x.softmax(dim=1))
def test_log_softmax_large_logits(): check_op([[[1000.0, 0.0, -1000.0]]], lambda x: x.log_softmax(dim=1))


# ---------------------------------------------------------------- matmul
def test_matmul_2d(): check_op([(3, 4), (4, 5)], lambda x, y: x @ y)
def test_mm(): check_op([(3, 4), (4, 2)], lambda x, y: x.mm(y))
def test_torch_mm(): check_fn([(3, 4), (4, 2)], lambda t, x, y: t.mm(x, y))
def test_torch_matmul(): check_fn([(3, 4), (4, 2)], lambda t, x, y: t.matmul(x, y))
def test_matmul_method(): check_op([(3, 4), (4, 2)], lambda x, y: x.matmul(y))
def test_matmul_dot(): check_op([(4,), (4,)], lambda x, y: x @ y)
def test_matmul_mat_vec(): check_op([(3, 4), (4,)], lambda x, y: x @ y)
def test_matmul_vec_mat(): check_op([(4,), (4, 5)], lambda x, y: x @ y)
def test_matmul_batched(): check_op([(2, 3, 4), (4, 5)], lambda x, y: x @ y)
def test_matmul_batched_both(): check_op([(2, 3, 4), (2, 4, 5)], lambda x, y: x @ y)
def test_matmul_autograd_tutorial(): check_fn([(5,), (5, 3), (3,)], lambda t, x, w, b: t.matmul(x, w) + b)
def test_linear_by_hand(): check_op([(8, 2), (4, 2), (4,)], lambda x, w, b: x @ w.T + b)
def test_linear_by_hand_t(): check_op([(8, 2), (4, 2), (4,)], lambda x, w, b: x.mm(w.t()) + b)


# ---------------------------------------------------------------- shapes
def test_reshape(): check_op([(3, 4)], lambda x: x.reshape(12))
def test_reshape_infer(): check_op([(3, 4)], lambda x: x.reshape(2, -1))
def test_reshape_tuple(): check_op([(3, 4)], lambda x: x.reshape((4, 3)))
def test_torch_reshape(): check_fn([(3, 4)], lambda t, x: t.reshape(x, (6, 2)))
def test_view(): check_op([(3, 4)], lambda x: x.view(4, 3))
def test_view_flat(): check_op([(3, 4)], lambda x: x.view(-1))
def test_view_0d(): check_op([(1,)], lambda x: x.view(()))
def test_flatten(): check_op(SHAPE3, lambda x: x.flatten())
def test_flatten_start_dim(): check_op(SHAPE3, lambda x: x.flatten(1))
def test_torch_flatten(): check_fn(SHAPE3, lambda t, x: t.flatten(x, start_dim=1))
def test_T(): check_op([(3, 4)], lambda x: x.T)
def test_t(): check_op([(3, 4)], lambda x: x.t())
def test_t_1d(): check_op([(3,)], lambda x: x.t())
def test_transpose(): check_op([(3, 4)], lambda x: x.transpose(0, 1))
def test_transpose_3d(): check_op(SHAPE3, lambda x: x.transpose(1, 2))
def test_transpose_negative(): check_op(SHAPE3, lambda x: x.transpose(-1, 0))
def test_torch_transpose(): check_fn([(3, 4)], lambda t, x: t.transpose(x, 0, 1))
def test_permute(): check_op(SHAPE3, lambda x: x.permute(2, 0, 1))
def test_permute_tuple(): check_op(SHAPE3, lambda x: x.permute((1, 2, 0)))
def test_squeeze_all(): check_op([(1, 3, 1)], lambda x: x.squeeze())
def test_squeeze_dim(): check_op([(1, 3, 1)], lambda x: x.squeeze(0))
def test_squeeze_dim_kw(): check_op([(1, 3, 1)], lambda x: x.squeeze(dim=-1))
def test_squeeze_non_one(): check_op([(2, 3)], lambda x: x.squeeze(0))
def test_unsqueeze(): check_op([(3, 4)], lambda x: x.unsqueeze(0))
def test_unsqueeze_last(): check_op([(3, 4)], lambda x: x.unsqueeze(-1))
def test_unsqueeze_middle(): check_op([(3, 4)], lambda x: x.unsqueeze(dim=1))
def test_expand(): check_op([(3, 1)], lambda x: x.expand(3, 4))
def test_expand_keep(): check_op([(3, 1)], lambda x: x.expand(-1, 4))
def test_expand_new_dims(): check_op([(3, 1)], lambda x: x.expand(2, 3, 4))
def test_expand_tuple(): check_op([(1,)], lambda x: x.expand((5,)))
def test_expand_then_sum(): check_op([(1, 4)], lambda x: (x.expand(3, 4) * 2).sum())


def test_shape_queries():
    same(lambda t: (t.ones(2, 3).shape, t.ones(2, 3).size(), t.ones(2, 3).size(1), t.ones(2, 3).size(-1),
                    t.ones(2, 3).dim(), t.ones(2, 3).numel(), t.tensor(3.0).shape, t.tensor(3.0).dim(),
                    t.ones(2, 3).shape[0], len(t.ones(4, 3)), t.ones(2, 3).ndim))


def test_size_is_tuple():
    tg = load_teachgrad()
    s = tg.ones(2, 3).shape
    assert isinstance(s, tuple) and type(s).__name__ == "Size"
    assert s == (2, 3) and list(s) == [2, 3]
    same(lambda t: repr(t.ones(2, 3).shape))
    same(lambda t: repr(t.tensor(1.0).size()))


# ---------------------------------------------------------------- indexing and slicing (with gradient)
def test_index_int(): check_op([(3, 4)], lambda x: x[0])
def test_index_negative(): check_op([(3, 4)], lambda x: x[-1])
def test_index_slice(): check_op([(5, 4)], lambda x: x[1:3])
def test_index_slice_step(): check_op([(5, 4)], lambda x: x[::2])
def test_index_column(): check_op([(3, 4)], lambda x: x[:, 1])
def test_index_column_slice(): check_op([(3, 4)], lambda x: x[:, 1:])
def test_index_ellipsis(): check_op(SHAPE3, lambda x: x[..., ::2])
def test_index_element(): check_op([(3, 4)], lambda x: x[1, 2])
def test_index_none(): check_op([(3, 4)], lambda x: x[None])
def test_index_none_middle(): check_op([(3, 4)], lambda x: x[:, None])
def test_index_list(): check_op([(4, 3)], lambda x: x[[0, 2]])
def test_index_list_repeated(): check_op([(4, 3)], lambda x: x[[0, 0, 2, 0]])
def test_index_int_tensor(): check_op([(4, 3), np.array([3, 1, 3])], lambda x, i: x[i])
def test_index_2d_int_tensor(): check_op([(4,), np.array([[0, 1], [1, 3]])], lambda x, i: x[i])
def test_index_bool_mask(): check_op([(3, 4)], lambda x: x[x > 0])
def test_index_bool_mask_rows(): check_op([(3, 4), np.array([True, False, True])], lambda x, m: x[m])
def test_index_mixed(): check_op([(3, 4)], lambda x: x[1:, [0, 2]])
def test_index_two_lists(): check_op([(3, 4)], lambda x: x[[0, 2], [1, 3]])
def test_index_0d_from_1d(): check_op([(4,)], lambda x: x[2])
def test_index_then_sum(): check_op([(3, 4)], lambda x: x[0].sum() + x[:, 1].sum())


def test_setitem_values():
    def f(t):
        x = t.zeros(3, 4)
        x[0] = 1.0
        x[:, 2] = t.tensor([5.0, 6.0, 7.0])
        x[1, 1] = 9
        x[x > 6] = -1.0
        return x
    same(f)


def test_setitem_with_gradient(): check_op([(3, 4), (4,)], lambda x, v: _setitem_clone(x, v))


def _setitem_clone(x, v):
    y = x.clone()
    y[1] = v * 2
    return y


# ---------------------------------------------------------------- comparisons (bool results)
@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_compare_tensors(op):
    check_op([(3, 4), (4,)], eval(f"lambda x, y: x {op} y"))


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_compare_scalar(op):
    check_op([[-1.0, 0.0, 0.5, 2.0]], eval(f"lambda x: x {op} 0.5"))


def test_compare_int_tensor(): check_op([np.array([1, 2, 3])], lambda x: x > 1)
def test_compare_int_float(): check_op([np.array([1, 2, 3]), [1.5, 2.0, 2.5]], lambda x, y: x >= y)
def test_bool_mask_arithmetic(): check_op([(3, 4)], lambda x: x * (x > 0))
def test_bool_sum(): check_op([(3, 4)], lambda x: (x > 0).sum())
def test_bool_float(): check_op([(3, 4)], lambda x: (x > 0).float().mean())


# ---------------------------------------------------------------- creation
def test_tensor_from_lists():
    same(lambda t: [t.tensor([1.0, 2.0]), t.tensor([[1, 2], [3, 4]]), t.tensor(3.5), t.tensor(7),
                    t.tensor(True), t.tensor([True, False]), t.tensor([1, 2.5]), t.tensor([[1.0], [2.0]]),
                    t.tensor([]), t.tensor([[1, 2]], dtype=t.float32), t.tensor([1.7, -2.7], dtype=t.int64),
                    t.tensor([1, 2], dtype=t.float64), t.tensor([0.0, 2.0], dtype=t.bool),
                    t.tensor((1.0, 2.0)), t.tensor([t.tensor(1.0), t.tensor(2.0)])])


def test_tensor_dtype_aliases():
    same(lambda t: [t.float, t.float32, t.double, t.float64, t.long, t.int64, t.bool,
                    t.float is t.float32, t.double is t.float64, t.long is t.int64])


def test_tensor_from_numpy_arrays():
    same(lambda t: [t.tensor(np.array([1.0, 2.0])), t.tensor(np.array([1.0, 2.0], dtype=np.float32)),
                    t.tensor(np.array([1, 2])), t.tensor(np.array([True])), t.tensor(np.float64(2.5)),
                    t.tensor(np.arange(6.0).reshape(2, 3), dtype=t.float32)])


def test_tensor_requires_grad_flag():
    same(lambda t: [t.tensor([1.0, 2.0], requires_grad=True), t.tensor(2.0, requires_grad=True),
                    t.tensor([1.0], dtype=t.float64, requires_grad=True)])


def test_tensor_from_tensor_copies():
    def f(t):
        a = t.tensor([1.0, 2.0])
        with __import__("warnings").catch_warnings():
            __import__("warnings").simplefilter("ignore")  # torch warns: use clone().detach()
            b = t.tensor(a)
        b[0] = 5.0
        return a, b
    same(f)


def test_from_numpy_shares_memory():
    def f(t):
        arr = np.array([1.0, 2.0, 3.0])
        x = t.from_numpy(arr)
        arr[0] = 10.0
        x[1] = 20.0
        return x, arr.tolist()
    same(f)


def test_constructors():
    same(lambda t: [t.ones(2, 3), t.ones((2, 3)), t.zeros(3), t.zeros((2, 1)), t.ones(2, dtype=t.float64),
                    t.zeros(2, dtype=t.int64), t.ones(2, 2, requires_grad=True), t.ones([3, 2]),
                    t.full((2, 3), 1.5), t.full((2,), 7), t.full((2,), True), t.full((2, 2), 0.5, dtype=t.float64),
                    t.eye(3), t.eye(2, 3), t.eye(2, dtype=t.int64), t.eye(2, requires_grad=True), t.ones(()),
                    t.zeros(0), t.ones(1, 0)])


def test_ranges():
    same(lambda t: [t.arange(5), t.arange(2, 7), t.arange(0, 10, 3), t.arange(0, 1, 0.25), t.arange(1.0, 4.0),
                    t.arange(5.0), t.arange(5, dtype=t.float32), t.arange(4, 0, -1), t.linspace(0, 1, 5),
                    t.linspace(-1, 1, steps=3), t.linspace(0, 10, 4, dtype=t.float64)])


def test_like_constructors():
    def f(t):
        x = t.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=t.float64, requires_grad=True)
        i = t.tensor([1, 2, 3])
        return [t.ones_like(x), t.zeros_like(x), t.full_like(x, 3), t.ones_like(i), t.zeros_like(i, dtype=t.float32),
                t.full_like(i, 7), t.full_like(i, 2.5), t.ones_like(x, requires_grad=True)]
    same(f)


def test_cat(): check_fn([(2, 3), (4, 3)], lambda t, x, y: t.cat([x, y]))
def test_cat_dim1(): check_fn([(2, 3), (2, 1)], lambda t, x, y: t.cat((x, y), dim=1))
def test_cat_three(): check_fn([(2,), (3,), (1,)], lambda t, x, y, z: t.cat([x, y, z], 0))
def test_cat_same_tensor(): check_fn([(2,)], lambda t, x: t.cat([x, x * 2, x]))
def test_cat_negative_dim(): check_fn([(2, 2), (2, 3)], lambda t, x, y: t.cat([x, y], dim=-1))
def test_stack(): check_fn([(2, 3), (2, 3)], lambda t, x, y: t.stack([x, y]))
def test_stack_dim1(): check_fn([(2, 3), (2, 3)], lambda t, x, y: t.stack((x, y), dim=1))
def test_stack_last(): check_fn([(2, 3), (2, 3), (2, 3)], lambda t, x, y, z: t.stack([x, y, z], dim=-1))
def test_stack_0d(): check_fn([(), ()], lambda t, x, y: t.stack([x, y]))
def test_where(): check_fn([(3, 4), (3, 4)], lambda t, x, y: t.where(x > y, x, y))
def test_where_broadcast(): check_fn([(3, 4), (4,)], lambda t, x, y: t.where(x > 0, x, y))
def test_where_scalar(): check_fn([(3, 4)], lambda t, x: t.where(x > 0, x, 0.0))
def test_where_scalar_first(): check_fn([(3, 4)], lambda t, x: t.where(x > 0, 1.0, x))
def test_where_method(): check_fn([(3, 4), (3, 4)], lambda t, x, y: x.where(x > 0, y))


def test_equal_allclose():
    same(lambda t: [t.equal(t.tensor([1.0, 2.0]), t.tensor([1.0, 2.0])), t.equal(t.ones(2), t.ones(3)),
                    t.equal(t.tensor([1.0, 2.0]), t.tensor([1.0, 2.5])),
                    t.allclose(t.tensor([1.0, 2.0]), t.tensor([1.0, 2.0 + 1e-7])),
                    t.allclose(t.tensor([1.0]), t.tensor([1.1])), t.allclose(t.tensor([1.0]), t.tensor([1.1]), atol=0.2),
                    t.allclose(t.tensor([1.0, 2.0]), t.tensor([1.05, 2.1]), rtol=0.1),
                    t.ones(2).equal(t.ones(2)), t.ones(2).allclose(t.ones(2))])


# ---------------------------------------------------------------- random (values differ from torch by design)
def test_random_shapes_and_dtypes():
    def f(t):
        t.manual_seed(0)
        x = t.tensor([[1.0, 2.0]], dtype=t.float64)
        return [(tuple(r.shape), str(r.dtype), r.requires_grad) for r in
                [t.rand(2, 3), t.randn(4), t.randn((2, 2)), t.rand(3, dtype=t.float64), t.randint(0, 10, (3, 2)),
                 t.randint(5, (4,)), t.rand_like(x), t.randn_like(x), t.randn(2, requires_grad=True)]]
    same(f)


def test_random_ranges_and_seed():
    tg = load_teachgrad()
    tg.manual_seed(123)
    a = tg.rand(1000)
    r = tg.randint(3, 7, (1000,))
    tg.manual_seed(123)
    b = tg.rand(1000)
    assert a.tolist() == b.tolist()
    assert 0.0 <= min(a.tolist()) and max(a.tolist()) < 1.0
    assert set(r.tolist()) == {3, 4, 5, 6}
    tg.manual_seed(124)
    assert tg.rand(1000).tolist() != a.tolist()
    n = tg.randn(20000)
    assert abs(n.mean().item()) < 0.05
    assert abs((n * n).mean().item() - 1) < 0.05


# ---------------------------------------------------------------- conversions
def test_item_tolist():
    same(lambda t: [t.tensor(2.5).item(), t.tensor([7]).item(), t.tensor(True).item(), t.tensor([[1.5]]).item(),
                    t.tensor([[1.0, 2.5], [3.0, 4.0]]).tolist(), t.tensor([1, 2]).tolist(), t.tensor(3.0).tolist(),
                    t.tensor([True, False]).tolist(), t.tensor(0.1).item()])


def test_python_number_conversions():
    same(lambda t: [float(t.tensor(2.5)), int(t.tensor(3.9)), int(t.tensor([-3.9])), bool(t.tensor(0.0)),
                    bool(t.tensor([2.0])), float(t.tensor(7)), bool(t.tensor(True)), f"{t.tensor(37.0)}",
                    "{}".format(t.tensor(2125.0, requires_grad=True)), "{:.2f}".format(t.tensor(3.14159))])


def test_numpy():
    def f(t):
        a = t.tensor([[1.0, 2.0]]).numpy()
        b = t.tensor([1, 2]).numpy()
        return [str(a.dtype), a.tolist(), str(b.dtype), b.tolist(), t.tensor(1.5, dtype=t.float64).numpy().tolist(),
                t.tensor([1.0, 2.0], requires_grad=True).detach().numpy().tolist()]
    same(f)


def test_numpy_shares_memory():
    def f(t):
        x = t.zeros(3)
        x.numpy()[1] = 5.0
        return x
    same(f)


def test_numpy_requires_grad_error():
    from helpers import same_error
    same_error(lambda t: t.ones(2, requires_grad=True).numpy())


def test_clone(): check_op([(3,)], lambda x: x.clone())
def test_double(): check_op([(3,)], lambda x: x.double())
def test_float_noop(): check_op([(3,)], lambda x: x.float())
def test_float_from_double(): check_op([(3,)], lambda x: x.float(), dtype="float64")
def test_long(): check_op([[-1.7, -0.2, 0.5, 2.5]], lambda x: x.long())
def test_long_then_float(): check_op([[-1.7, 2.5]], lambda x: x.long().float(), requires_grad=False)
def test_to_dtype(): check_fn([(3,)], lambda t, x: x.to(t.float64))
def test_to_dtype_kw(): check_fn([(3,)], lambda t, x: x.to(dtype=t.float64))
def test_to_cpu_string(): check_op([(3,)], lambda x: x.to("cpu"))
def test_cpu(): check_op([(3,)], lambda x: x.cpu())
def test_int_to_float(): check_op([np.array([1, 2, 3])], lambda x: x.float())
def test_bool_to_long(): check_op([np.array([True, False])], lambda x: x.long())


def test_device():
    def f(t):
        device = t.device("cuda" if t.cuda.is_available() else "cpu")
        x = t.ones(2).to(device)
        return [t.cuda.is_available(), str(device), str(x.device), repr(x.device), x.device.type, x.is_cuda,
                x.to(device) is x, x.cpu() is x, x.float() is x, x.to(t.float32) is x, x.to("cpu") is x]
    same(f)


# ---------------------------------------------------------------- dtype promotion
PROMOTION = {
    "long+long": lambda t: t.tensor([1, 2]) + t.tensor([3, 4]),
    "long*float_scalar": lambda t: t.tensor([1, 2]) * 2.5,
    "long+int_scalar": lambda t: t.tensor([1, 2]) + 3,
    "long/long": lambda t: t.tensor([1, 2]) / t.tensor([2, 4]),
    "long/int_scalar": lambda t: t.tensor([3, 4]) / 2,
    "long+float": lambda t: t.tensor([1, 2]) + t.tensor([0.5, 0.5]),
    "float+double": lambda t: t.ones(2) + t.ones(2, dtype=t.float64),
    "float+double0d": lambda t: t.ones(2) + t.tensor(1.0, dtype=t.float64),
    "long+float0d": lambda t: t.tensor([1, 2]) + t.tensor(0.5),
    "double0d*float0d": lambda t: t.tensor(2.0, dtype=t.float64) * t.tensor(3.0),
    "bool+bool": lambda t: t.tensor([True, False]) + t.tensor([True, True]),
    "bool+long": lambda t: t.tensor([True, False]) + t.tensor([1, 1]),
    "bool*float_scalar": lambda t: t.tensor([True, False]) * 1.5,
    "long**2": lambda t: t.tensor([2, 3]) ** 2,
    "long**0.5": lambda t: t.tensor([4, 9]) ** 0.5,
    "long.sum": lambda t: t.tensor([1, 2]).sum(),
    "bool.sum": lambda t: t.tensor([True, True, False]).sum(),
    "long.max": lambda t: t.tensor([1, 5, 2]).max(),
    "long.abs": lambda t: t.tensor([-1, 2]).abs(),
    "-long": lambda t: -t.tensor([1, -2]),
    "long.exp": lambda t: t.tensor([0, 1]).exp(),
    "long.sqrt": lambda t: t.tensor([4, 9]).sqrt(),
    "long@long": lambda t: t.tensor([[1, 2]]) @ t.tensor([[3], [4]]),
    "float_scalar-long": lambda t: 1.5 - t.tensor([1, 2]),
    "long.clamp": lambda t: t.tensor([-3, 0, 3]).clamp(-1, 1),
    "long.float.mean": lambda t: t.tensor([1, 2]).float().mean(),
    "where_long_float": lambda t: t.where(t.tensor([True, False]), t.tensor([1, 2]), t.tensor([0.5, 0.5])),
    "cat_long_float": lambda t: t.cat([t.tensor([1, 2]), t.tensor([0.5])]),
}


@pytest.mark.parametrize("name", list(PROMOTION))
def test_dtype_promotion(name):
    same(PROMOTION[name])


# ---------------------------------------------------------------- in-place ops on plain tensors
def test_inplace_values():
    def f(t):
        x = t.ones(3)
        r = [x.add_(2) is x, x.clone(), x.sub_(0.5) is x, x.clone(), x.mul_(t.tensor([1.0, 2.0, 3.0])) is x, x.clone()]
        r += [x.zero_() is x, x.clone(), x.fill_(4) is x, x.clone(), x.copy_(t.tensor([7.0, 8.0, 9.0])) is x, x.clone()]
        r += [x.add_(t.ones(3), alpha=-0.5) is x, x.clone(), x.sub_(t.ones(3), alpha=2) is x, x.clone()]
        y = t.ones(2, 2)
        y += 1
        y -= t.tensor([0.5, 0.25])
        y *= 2
        y /= 4
        return r + [y]
    same(f)


def test_inplace_keeps_dtype():
    def f(t):
        x = t.tensor([1, 2])
        x.add_(3)
        x.mul_(2)
        x.copy_(t.tensor([1.9, -1.9]))
        return x
    same(f)


def test_copy_broadcasts():
    def f(t):
        x = t.zeros(2, 3)
        x.copy_(t.tensor([1.0, 2.0, 3.0]))
        return x
    same(f)
