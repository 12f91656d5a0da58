"""A learner alone, answering wrongly on purpose: every check cell of the student versions ends in a hint.

The student versions (made by nbgrader, as ``./run student`` makes them) run in a kernel cell by cell.
At every exercise the answer cell is replaced, one after the other, by the kinds of wrong answers a
learner gives, and the check cell runs after each:

- the unsolved cell as nbgrader leaves it (``raise NotImplementedError()``);
- for answers stored in variables: None, a list instead of a tensor, a tensor of the wrong shape, NaN
  (as a tensor and as a float), a string, an unlikely number, an empty dict;
- for functions the check calls: a function that raises, one that never returns, and ones that
  return None, a list, NaN, a tensor of the wrong shape;
- for a ``torch.autograd.Function`` the learner writes: the reference class with its ``forward`` or
  its ``backward`` replaced by one that raises, never returns, or returns None, a list, a float, NaN
  or a tensor of the wrong shape.

Then the reference solution runs (the check must print ``✅ Correct!``), and the answers are spoiled one
at a time while the others stay right: a number or a tensor plus one (a tensor keeps its
``requires_grad``), a set with one element fewer, a dict with one value swapped for another of its
values, a list or tuple with one element spoiled, and for functions that return a value, that value
spoiled. These are the answers a check that only tests types would wave through.

Each time the check cell must end in exactly one line ``❌ Not yet. Hint: ...`` (``❌ まだです。ヒント: ...`` in the
Japanese edition, notebooks/ja/, whose check cells run the same way) — no traceback from the
check's code or the engine, no ``Correct!``, nothing printed but ``✅`` lines and the hint, no hint that
only says the answer "could not be checked" — and it must finish (the learner's functions run with a
time limit, set to 1 s here to keep the test short). At the end the reference answers are restored and
the check must print ``✅ Correct!`` again, so that the next exercise starts from the state the lesson
expects.

The answers a reader of the lessons gave (:data:`REPORTED`) run too: each must get a hint that names
the mistake made (in the Japanese edition, the words of :data:`REPORTED_JA`). :data:`ACCEPTED` holds
right answers written differently, which must get the tick.
A second test restarts the kernel before each exercise (only the setup cell, the given cells, the
answer and the check run): checks must not depend on the lesson's own cells.
"""

import ast
import json
import queue
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
# both editions: the Japanese check cells are the English ones with Japanese hints
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) + sorted(NOTEBOOKS.glob("ja/[0-9][0-9]_*.ipynb"))
# per edition: the start of a hint, the verdict of a right answer, the words of a hint that names no
# expectation
VERDICTS = {
    "en": ("\u274c Not yet. Hint: ", "\u2705 Correct!", "could not be checked"),
    "ja": ("\u274c まだです。ヒント: ", "\u2705 正解です", "確かめられませんでした"),
}
TICK = "\u2705"
TIME_LIMIT = 1.0    # seconds per call of a learner's function (teachgrad.checks.TIME_LIMIT)
CELL_TIMEOUT = 90   # seconds: a check cell that takes longer hangs


VARIABLE_ANSWERS = {
    "None": "None",
    "a list instead of a tensor": "[1.0, 2.0, 3.0]",
    "a tensor of the wrong shape": "torch.zeros(7, 3)",
    "a NaN tensor": "torch.full((3,), float('nan'))",
    "NaN": "float('nan')",
    "a string": "'?'",
    "an unlikely number": "12345",
    "an empty dict": "{}",
}

FUNCTION_BODIES = {
    "raises": "raise ValueError('a mistake in the learner code')",
    "never returns": "while True:\n        pass",
    "returns None": "return None",
    "returns a list": "return [1.0, 2.0, 3.0]",
    "returns NaN": "return torch.full((3,), float('nan'))",
    "returns a tensor of the wrong shape": "return torch.zeros(7, 3)",
}


METHOD_BODIES = {
    "raises": "raise ValueError('a mistake in the learner code')",
    "never returns": "while True:\n    pass",
    "returns None": "return None",
    "returns a list": "return [1.0, 2.0, 3.0]",
    "returns a float": "return 1.0",
    "returns NaN": "return torch.full((3,), float('nan'))",
    "returns a tensor of the wrong shape": "return torch.zeros(7, 3)",
}

# Runs in the kernel: a wrong answer of the same kind as a right one (see the module docstring).
SPOIL = """
def __spoil(value):
    import teachgrad.checks as _checks
    if _checks._is_tensor(value):
        if str(value.dtype).endswith("bool"):
            return ~value
        out = value.detach() + 1
        if value.requires_grad:
            out.requires_grad_(True)
        return out
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, (set, frozenset)):
        return type(value)(sorted(value)[1:]) if len(value) > 1 else type(value)(value | {"zz"})
    if isinstance(value, dict) and value:
        keys = list(value)
        others = [v for v in value.values() if v != value[keys[0]]]
        return {**value, keys[0]: others[0] if others else __spoil(value[keys[0]])}
    if isinstance(value, list) and value:
        return [__spoil(value[0])] + value[1:]
    if isinstance(value, tuple) and value:
        return value[:-1] + (__spoil(value[-1]),)
    return value


def __spoils(value):
    spoiled = __spoil(value)
    return not (spoiled is value)
"""


# ---------------------------------------------------------------------------------------------
# the answers a reader of the lessons gave, and the hint each must get
# ---------------------------------------------------------------------------------------------

# grade id of the solution cell -> [(what the learner did, their cell, words the hint must contain)].
# Each is a wrong answer that once got a tick, or a hint that named another mistake than the one made.
REPORTED = {
    "start-ex1-solution": [
        ("float64 (the hidden test wants float32)",
         "t = None\nt = torch.tensor([1., 2., 3.], dtype=torch.float64, requires_grad=True)", "torch.float32"),
        ("not a leaf", "t = None\nt = torch.tensor([1., 2., 3.], requires_grad=True) * 1", "should be a leaf"),
        ("an integer tensor that requires grad: the cell stops with an error",
         "t = None\nt = torch.tensor([1, 2, 3], requires_grad=True)",
         "stopped with an error before it could assign `t`: RuntimeError: Only Tensors of floating point"),
    ],
    "start-ex2-solution": [
        ("t is not a leaf: t.grad is None",
         "t = torch.tensor([1., 2., 3.], requires_grad=True) * 1\ngrad_t = None\n(t ** 3).sum().backward()\n"
         "grad_t = t.grad", "your cell ran, but the value it stored in `grad_t` is None: t.grad is None"),
        ("integers typed by hand", "grad_t = None\ngrad_t = torch.tensor([3, 12, 27])", "floating-point"),
        ("computed by hand, no backward()",
         "t = torch.tensor([1., 2., 3.], requires_grad=True)\ngrad_t = None\ngrad_t = 3 * t.detach() ** 2",
         "t.grad does not"),
        ("a second backward() through a freed graph",
         "t = torch.tensor([1., 2., 3.], requires_grad=True)\ngrad_t = None\ns = (t ** 3).sum()\ns.backward()\n"
         "s.backward()\ngrad_t = t.grad", "if you need to backward through the graph a second time or if you need"),
        ("t.grad as a list",
         "t = torch.tensor([1., 2., 3.], requires_grad=True)\ngrad_t = None\n(t ** 3).sum().backward()\n"
         "grad_t = t.grad.tolist()", "store t.grad itself (no .tolist()"),
    ],
    "tensors-ex3-solution": [
        ("rows of tensors", "mean_score = rows = None\nmean_score = scores.mean().item()\n"
                            "rows = [list(r) for r in scores]", "holds tensors"),
    ],
    "graph-ex2-solution": [
        ("the node instead of its name", 'leaf_names = s_node = None\nleaf_names = {"u", "k"}\ns_node = s.grad_fn',
         "but it is a SubBackward0 object. That is the graph node itself, not its name"),
        ("the tensors instead of their names", 'leaf_names = s_node = None\nleaf_names = {u, k}\n'
                                               's_node = "SubBackward0"', "the names as strings, in quotes"),
    ],
    "graph-ex3-solution": [
        ("three decimals, rounded wrongly up", "dout_dx = None\ndout_dx = 1.334", "the third decimal is not right"),
        ("three decimals, rounded wrongly down", "dout_dx = None\ndout_dx = 1.332", "the third decimal is not right"),
        ("two decimals", "dout_dx = None\ndout_dx = 1.33", "give at least three decimals"),
        ("x.grad, all three entries",
         "dout_dx = None\nx = torch.ones(3, requires_grad=True)\n((x + 1) ** 2).mean().backward()\n"
         "dout_dx = x.grad", "pick the one entry"),
    ],
    "graph-ex4-solution": [
        ("<= instead of <",
         "def double_until(t, limit):\n    result = t * 2\n    n = 1\n    while result.norm() <= limit:\n"
         "        result = result * 2\n        n += 1\n    return result, n", "(norm < limit)"),
        ("no first doubling",
         "def double_until(t, limit):\n    result = t\n    n = 0\n    while result.norm() < limit:\n"
         "        result = result * 2\n        n += 1\n    return result, n", "the first doubling, t * 2, always happens"),
        ("t changed in place", "def double_until(t, limit):\n    t.mul_(2)\n    return t, 1",
         "compute a new tensor instead, result = t * 2"),
        ("backward() inside",
         "def double_until(t, limit):\n    result = t * 2\n    n = 1\n    while result.data.norm() < limit:\n"
         "        result = result * 2\n        n += 1\n    result.sum().backward()\n    return result, n",
         "should not call backward() itself"),
        ("one multiplication by 2 ** n",
         "def double_until(t, limit):\n    n = 1\n    while (t * 2 ** n).data.norm() < limit:\n        n += 1\n"
         "    return t * 2 ** n, n", "one multiplication per doubling"),
    ],
    "backward-ex2-solution": [
        ("integers", "J = None\nJ = torch.tensor([[4, 1], [3, 1]])", "floating-point"),
    ],
    "backward-ex3-solution": [
        ("retain_grad() forgotten",
         "h_grad = None\nx = torch.tensor([1., 2.], requires_grad=True)\nh = x * 3\nout = (h ** 2).sum()\n"
         "out.backward()\nh_grad = h.grad", "h.retain_grad()"),
        ("x.grad instead of h.grad",
         "h_grad = None\nx = torch.tensor([1., 2.], requires_grad=True)\nh = x * 3\nout = (h ** 2).sum()\n"
         "out.backward()\nh_grad = x.grad", "that is x.grad"),
        ("backward() twice",
         "h_grad = None\nx = torch.tensor([1., 2.], requires_grad=True)\nh = x * 3\nh.retain_grad()\n"
         "out = (h ** 2).sum()\nout.backward(retain_graph=True)\nout.backward()\nh_grad = h.grad", "twice"),
        ("computed by hand, no retain_grad()",
         "h_grad = None\nx = torch.tensor([1., 2.], requires_grad=True)\nh = x * 3\nout = (h ** 2).sum()\n"
         "h_grad = 2 * h", "Call h.retain_grad() before out.backward()"),
        ("computed by hand after a backward(), no retain_grad()",
         "h_grad = None\nx = torch.tensor([1., 2.], requires_grad=True)\nh = x * 3\nout = (h ** 2).sum()\n"
         "out.backward()\nh_grad = 2 * h.detach()", "Call h.retain_grad() before out.backward()"),
    ],
    "backward-ex4-solution": [
        ("one backward(), doubled by hand", "grad_twice = None\nout.backward()\ngrad_twice = x.grad * 2",
         "x.grad does not"),
    ],
    "accumulation-ex2-solution": [
        ("pieces not scaled",
         "accumulated = piece_losses = None\nw.grad = None\npiece_losses = []\nfor i in range(0, 12, 4):\n"
         "    piece_losses.append(((w * X[i:i + 4] - T[i:i + 4]) ** 2).mean())\n    piece_losses[-1].backward()\n"
         "accumulated = w.grad", "three times"),
        ("one backward() on all 12 examples, no pieces",
         "accumulated = piece_losses = None\nw.grad = None\n((w * X - T) ** 2).mean().backward()\n"
         "accumulated = w.grad", "append each piece's loss"),
        ("one backward() on all 12 examples, the pieces' losses computed beside it",
         "accumulated = piece_losses = None\nw.grad = None\n((w * X - T) ** 2).mean().backward()\n"
         "piece_losses = [((w * X[i:i + 4] - T[i:i + 4]) ** 2).mean() for i in range(0, 12, 4)]\n"
         "accumulated = w.grad", "backward() never went through them"),
        ("four pieces of 3",
         "accumulated = piece_losses = None\nw.grad = None\npiece_losses = []\nfor i in range(0, 12, 3):\n"
         "    piece_losses.append(((w * X[i:i + 3] - T[i:i + 3]) ** 2).mean())\n    (piece_losses[-1] / 4).backward()\n"
         "accumulated = w.grad", "three pieces of 4"),
        ("the scaled losses kept",
         "accumulated = piece_losses = None\nw.grad = None\npiece_losses = []\nfor i in range(0, 12, 4):\n"
         "    piece_losses.append(((w * X[i:i + 4] - T[i:i + 4]) ** 2).mean() / 3)\n    piece_losses[-1].backward()\n"
         "accumulated = w.grad", "divided by 3"),
        ("the losses kept as numbers",
         "accumulated = piece_losses = None\nw.grad = None\npiece_losses = []\nfor i in range(0, 12, 4):\n"
         "    loss = ((w * X[i:i + 4] - T[i:i + 4]) ** 2).mean()\n    (loss / 3).backward()\n"
         "    piece_losses.append(loss.item())\naccumulated = w.grad", "a one-number tensor"),
    ],
    "accumulation-ex4-solution": [
        ("new zero tensors, the layer untouched",
         "layer_grads = None\nlayer_grads = [torch.zeros_like(p) for p in layer.parameters()]",
         "layer's own gradients"),
        ("zeros made from the gradients", "layer_grads = None\nlayer_grads = [p.grad * 0 for p in layer.parameters()]",
         "layer's own gradients"),
        ("the right zeros in the wrong order",
         "layer_grads = None\nlayer.zero_grad(set_to_none=False)\nlayer_grads = [p.grad for p in layer.parameters()][::-1]",
         "keep the order"),
        ("lists instead of tensors",
         "layer_grads = None\nlayer.zero_grad(set_to_none=False)\n"
         "layer_grads = [p.grad.tolist() for p in layer.parameters()]", "the gradient tensors themselves"),
    ],
    "lesson05-ex1-solution": [
        ("c forgotten", 'none_leaves = None\nnone_leaves = {"a", "b", "x"}', "c is not reached"),
        ("d added", 'none_leaves = None\nnone_leaves = {"a", "b", "c", "d", "x"}', "d is reached"),
    ],
    "lesson05-ex2-solution": [
        ("only for one number", "def independent_copy(t):\n    return torch.tensor(t.item())", "tensors of any shape"),
        ("dtype changed", "def independent_copy(t):\n    return t.detach().clone().double()", "keep t's dtype"),
        ("shape changed", "def independent_copy(t):\n    return t.detach().clone().reshape(1)", "must have the shape of t"),
    ],
    "lesson05-ex3-solution": [
        (f"loss_D = {wrong}", f"loss_D = None\nloss_D = {wrong}", "the mean of netD's output on the fake batch")
        for wrong in ("netD(torch.randn(8, 3)).mean()", "netD(fake.detach()).sum()", "-netD(fake.detach()).mean()",
                      "netD(fake.detach()).mean() * 0", "netD(fake.detach()).max()", "netD(fake.detach()[:1]).mean()")
    ] + [
        ("no detach, own backward()", "loss_D = None\nloss_D = netD(fake).mean()\nloss_D.backward()", "leaked into netG"),
        ("the right loss, its backward() run twice",
         "loss_D = None\nloss_D = netD(fake.detach()).mean()\nloss_D.backward()\nloss_D = netD(fake.detach()).mean()\n"
         "loss_D.backward()", "twice"),
        ("fake.data instead of fake.detach(): an in-place change of fake goes unnoticed",
         "loss_D = None\nloss_D = netD(fake.data).mean()", "silently uses the new values"),
    ],
    "lesson06-ex1-solution": [
        ("the module-attribute trap",
         "net_ex = n_trainable = None\ntorch.manual_seed(0)\nnet_ex = MLPNet()\nnet_ex.fc1.requires_grad = False\n"
         "n_trainable = sum(p.numel() for p in net_ex.parameters() if p.requires_grad)",
         "only gives the module object a new attribute"),
    ],
    "lesson06-ex2-solution": [
        ("the weight frozen, the bias forgotten", "def freeze(module):\n    module.weight.requires_grad = False",
         "not the bias"),
    ],
    "lesson06-ex3-solution": [
        ("a float64 bias", "def reset_fc2_bias(net):\n    net.fc2.bias.data = torch.zeros(512, dtype=torch.float64)",
         "keep its dtype"),
    ],
    "lesson06-ex4-solution": [
        ("the input does not require grad",
         "inp_grad = None\ninp = torch.tensor(values)\nmodel(inp).sum().backward()\ninp_grad = inp.grad",
         "your cell ran, but the value it stored in `inp_grad` is None"),
    ],
    "lesson07-ex1-solution": [
        ("re-seeded instead of eval()",
         "def mean_abs_error(model, x, y):\n    torch.manual_seed(0)\n    with torch.no_grad():\n"
         "        return (model(x) - y).abs().mean().item()", "Dropout was still active"),
    ],
    "lesson07-ex2-solution": [
        ("the optimizer ignored, lr hard-coded",
         "def train_step(model, optimizer, x, y):\n    model.train()\n    optimizer.zero_grad()\n"
         "    loss = loss_fn(model(x), y)\n    loss.backward()\n    with torch.no_grad():\n"
         "        for p in model.parameters():\n            p -= 0.05 * p.grad\n    return loss.item()",
         "must come from the optimizer passed in"),
        ("no step()",
         "def train_step(model, optimizer, x, y):\n    model.train()\n    optimizer.zero_grad()\n"
         "    loss = loss_fn(model(x), y)\n    loss.backward()\n    return loss.item()", "call optimizer.step()"),
        ("step() twice",
         "def train_step(model, optimizer, x, y):\n    model.train()\n    optimizer.zero_grad()\n"
         "    loss = loss_fn(model(x), y)\n    loss.backward()\n    optimizer.step()\n    optimizer.step()\n"
         "    return loss.item()", "twice as far as one step"),
    ],
    "lesson07-ex3-solution": [
        ("the step without bias correction", "first_move = None\nfirst_move = 0.0003", "without the bias correction"),
    ] + [
        (f"{wrong}, near but not the step without bias correction", f"first_move = None\nfirst_move = {wrong}",
         "Work through the update at t = 1") for wrong in ("0.00095", "0.001", "0.0001", "0.0004")
    ],
    "lesson08-ex1-solution": [
        ("the input saved instead of the output",
         "class MyExp(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
         "        ctx.save_for_backward(x)\n        return x.exp()\n\n    @staticmethod\n    def backward(ctx, g):\n"
         "        (x,) = ctx.saved_tensors\n        return g * x.exp()", "reuse the forward's output"),
    ],
    "lesson08-ex2-solution": [
        ("integers", "def row_grad(M):\n    return torch.tensor([[12, 15, 18, 21]])", "floating-point"),
        ("the right numbers typed in by hand", "def row_grad(M):\n    return torch.tensor([[12.0, 15.0, 18.0, 21.0]])",
         "right for the lesson's M only"),
        ("the lesson's M instead of the one given", "def row_grad(other):\n    return M.sum(dim=0, keepdim=True)",
         "right for the lesson's M only"),
        ("the right numbers typed in as a tensor, no function",
         "row_grad = None\nrow_grad = torch.tensor([[12.0, 15.0, 18.0, 21.0]])", "Complete `def row_grad(M):`"),
        ("computed by backward() instead of predicted",
         "def row_grad(M):\n    r = torch.zeros(1, 4, requires_grad=True)\n    (r * M).sum().backward()\n    return r.grad",
         "without backward()"),
    ],
    "lesson09-ex1-solution": [
        ("the loss computed under no_grad",
         "def train_step(w, b, x, y, lr):\n    with torch.no_grad():\n        loss = ((x @ w + b - y) ** 2).mean()\n"
         "    loss.backward()\n    with torch.no_grad():\n        w -= lr * w.grad\n        b -= lr * b.grad\n"
         "    w.grad = None\n    b.grad = None\n    return loss.item()", "or it ran inside `with torch.no_grad():`"),
        ("the step through .data",
         "def train_step(w, b, x, y, lr):\n    loss = ((x @ w + b - y) ** 2).mean()\n    loss.backward()\n"
         "    w.data -= lr * w.grad\n    b.data -= lr * b.grad\n    w.grad = None\n    b.grad = None\n"
         "    return loss.item()", "through .data"),
    ],
    "lesson09-ex4-solution": [
        ("the losses kept in a list outside the function (section 13's leak)",
         "KEEP = []\ndef mean_loss(model, batches):\n    total = 0.0\n    for inputs, targets in batches:\n"
         "        loss = nn.functional.mse_loss(model(inputs), targets)\n        KEEP.append(loss)\n"
         "        total += loss.item()\n    return total / len(batches)", "a graph was recorded"),
        ("the loss tensors summed, graphs recorded",
         "def mean_loss(model, batches):\n    total = 0\n    for inputs, targets in batches:\n"
         "        total += nn.functional.mse_loss(model(inputs), targets)\n    return (total / len(batches)).item()",
         "a graph was recorded"),
    ],
    "lesson10-ex1-solution": [
        ("the arriving gradient changed in place", "def reverse_half(grad):\n    grad.mul_(-0.5)\n    return grad",
         "changed the arriving gradient in place"),
    ],
    "lesson10-ex2-solution": [
        ("no hooks: the model run piece by piece",
         "def relu_means(model, x):\n    return [model[:i + 1](x).mean().item() for i, m in enumerate(model)\n"
         "            if isinstance(m, nn.ReLU)]", "not once each"),
    ],
    "lesson10-ex4-solution": [
        ("words of one's own", 'flow_verdicts = None\nflow_verdicts = {"A": "vanishing", "B": "正常", "C": "exploding", '
                               '"D": "正常"}', 'one of the strings "vanishing", "exploding" and "healthy"'),
    ],
}

# The words each reported answer's hint must contain in the Japanese edition (notebooks/ja/), by the
# English words above.
REPORTED_JA = {
    "torch.float32": "torch.float32",
    "should be a leaf": "葉ではありません",
    "stopped with an error before it could assign `t`: RuntimeError: Only Tensors of floating point":
        "`t` に代入する前にエラーで止まったからです:「RuntimeError: Only Tensors of floating point",
    "your cell ran, but the value it stored in `grad_t` is None: t.grad is None":
        "セルは実行されましたが、`grad_t` に入った値が None です。backward() が t まで届かなかったとき、t.grad は None",
    "floating-point": "浮動小数点数を持つはず",
    "t.grad does not": "t.grad はそうなっていません",
    "if you need to backward through the graph a second time or if you need":
        "if you need to backward through the graph a second time or if you need",
    "holds tensors": "Python の数値ではなくテンソルです",
    "the third decimal is not right": "3 桁目が違います",
    "give at least three decimals": "小数点以下 3 桁以上で",
    "pick the one entry": "求められている 1 つの要素を取り出して",
    "(norm < limit)": "（norm < limit）",
    "the first doubling, t * 2, always happens": "最初の倍化 t * 2 は",
    "compute a new tensor instead, result = t * 2": "代わりに新しいテンソルを計算してください: result = t * 2",
    "should not call backward() itself": "double_until の中で backward() を呼ばないでください",
    "one multiplication per doubling": "倍化 1 回につきかけ算が 1 つ",
    "h.retain_grad()": "h.retain_grad()",
    "that is x.grad": "それは x.grad",
    "twice": "2 倍",
    "x.grad does not": "x.grad はそうなっていません",
    "three times": "3 倍",
    "layer's own gradients": "layer 自身の勾配",
    "keep the order": "layer.parameters() の順番",
    "the gradient tensors themselves": "勾配のテンソルそのもの",
    "tensors of any shape": "どんな形状のテンソルでも",
    "keep t's dtype": "t の dtype",
    "must have the shape of t": "コピーの形状は t と同じ",
    "the mean of netD's output on the fake batch": "偽のバッチに対する netD の出力の平均",
    "leaked into netG": "netG に漏れています",
    "silently uses the new values": "新しい値を黙って使い",
    "only gives the module object a new attribute": "モジュールのオブジェクトに新しい属性を 1 つ足すだけ",
    "keep its dtype": "dtype と形状",
    "your cell ran, but the value it stored in `inp_grad` is None": "セルは実行されましたが、`inp_grad` に入った値が None",
    "Dropout was still active": "dropout がまだ効いていました",
    "must come from the optimizer passed in": "渡されたオプティマイザから行って",
    "call optimizer.step()": "backward() の後に optimizer.step() を呼んで",
    "reuse the forward's output": "forward の出力を再利用",
    "right for the lesson's M only": "レッスンの M でしか正しくありません",
    "Complete `def row_grad(M):`": "`def row_grad(M):` を完成させてください",
    "without backward()": "backward() を使わずに勾配を予想してください",
    "store t.grad itself (no .tolist()": "t.grad そのものを入れてください（.tolist()",
    "but it is a SubBackward0 object. That is the graph node itself, not its name":
        "SubBackward0 のオブジェクトです。それは計算グラフのノードそのもので、名前ではありません",
    "the names as strings, in quotes": "名前は引用符で囲んだ文字列で",
    "Call h.retain_grad() before out.backward()": "out.backward() の前に h.retain_grad() を呼び",
    "append each piece's loss": "各部分の損失を追加して",
    "backward() never went through them": "backward() はそこを通っていません",
    "three pieces of 4": "4 個ずつの例からなる 3 つの部分",
    "divided by 3": "3 で割ったもの",
    "a one-number tensor": "数値 1 つのテンソル",
    "c is not reached": "c には届きません",
    "d is reached": "d には届きます",
    "not the bias": "バイアスはまだです",
    "twice as far as one step": "1 ステップの 2 倍動きました",
    "without the bias correction": "バイアス補正なしのステップ",
    "Work through the update at t = 1": "t = 1 の更新を順に計算してください",
    "or it ran inside `with torch.no_grad():`": "計算が `with torch.no_grad():` の中で行われた",
    "through .data": ".data を通して",
    "a graph was recorded": "計算グラフが記録されていました",
    "changed the arriving gradient in place": "届いた勾配をその場で",
    "not once each": "1 つにつき 1 回ではありません",
    'one of the strings "vanishing", "exploding" and "healthy"': '"勾配消失"、"勾配爆発"、"健全" でもかまいません',
}


def reported_words(words, lang):
    return REPORTED_JA[words] if lang == "ja" else words


# Right answers written differently: each must get "✅ Correct!".
ACCEPTED = {
    "start-ex3-solution": [("a NumPy integer", "import numpy as np\nlesson = None\nlesson = np.int64(4)")],
    "graph-ex1-solution": [("NumPy numbers", "import numpy as np\ngrad_a_by_hand = grad_x_by_hand = None\n"
                                             "grad_a_by_hand = np.int64(105)\ngrad_x_by_hand = np.float32(15)")],
    "lesson05-ex3-solution": [("the learner calls backward() too, as the task's wording invites",
                               "loss_D = None\nloss_D = netD(fake.detach()).mean()\nloss_D.backward()"),
                              ("a copy of its own, which an in-place change of fake cannot reach",
                               "loss_D = None\nloss_D = netD(fake.detach().clone()).mean()")],
    "lesson07-ex3-solution": [("3e-3 written another way", "first_move = None\nfirst_move = 3e-3")],
    "lesson08-ex2-solution": [("a product with ones", "def row_grad(M):\n    return torch.ones(1, 3) @ M"),
                              ("the three rows added up", "def row_grad(M):\n    return M[0:1] + M[1:2] + M[2:3]"),
                              ("through NumPy", "def row_grad(M):\n    return torch.tensor(M.numpy().sum(axis=0, "
                                                "keepdims=True))")],
    # the route the task suggests: the lesson's grad_norms (its make_stack), read by the explorer's rule
    "lesson10-ex4-solution": [("read from the lesson's grad_norms",
                               "from teachgrad.explorers import flow_verdict\nflow_verdicts = None\n"
                               "flow_verdicts = {key: flow_verdict(grad_norms(*stack)) for key, stack in {\n"
                               "    'A': (20, 'tanh', 'default'), 'B': (20, 'relu', 'kaiming'),\n"
                               "    'C': (10, 'relu', 'normal'), 'D': (20, 'tanh', 'xavier')}.items()}"),
                              # the Japanese explorer prints these words beside the English ones
                              ("the Japanese explorer's words", 'flow_verdicts = None\nflow_verdicts = {"A": "勾配消失", '
                                                                '"B": "健全", "C": "勾配爆発", "D": "健全"}')],
}

# Code that puts back what a reported answer changed, before the reference solution runs.
RESTORE = {
    "start-ex2-solution": "t = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)",
}

# Exercises whose reference solution itself uses a name from an earlier lesson cell: after a kernel
# restart (only the setup cell, the exercise's given cells, the solution and the check run), their check
# must ask for the lesson's earlier cells by that name. Every other check must pass on its own.
NEEDS_LESSON_CELLS = {
    "start-ex2-solution": "t",               # Exercise 1's tensor
    "lesson06-ex1-solution": "MLPNet",       # the lesson's class
    "lesson06-ex4-solution": "model",        # the lesson's Sequential
    "lesson07-ex2-solution": "loss_fn",      # the lesson's loss, which train_step uses
}


# ---------------------------------------------------------------------------------------------
# the notebooks
# ---------------------------------------------------------------------------------------------

def source(cell):
    s = cell["source"]
    return "".join(s) if isinstance(s, list) else s


def nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader") or {}


def answer_names(solution):
    """(variables, functions) a solution cell defines: the names its first line resets, the
    functions it defines at top level."""
    before = solution.split("### BEGIN SOLUTION")[0]
    variables = []
    for line in before.splitlines():
        m = re.match(r"^((?:\w+\s*=\s*)+)None\b", line)
        if m:
            variables += [n.strip() for n in m.group(1).split("=") if n.strip()]
    tree = ast.parse(solution)
    functions = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    return variables, functions


def with_method_replaced(solution, method, body):
    """The solution's classes, with ``method`` (forward or backward) given ``body`` instead."""
    tree = ast.parse(solution)
    for cls in tree.body:
        if isinstance(cls, ast.ClassDef):
            for node in cls.body:
                if isinstance(node, ast.FunctionDef) and node.name == method:
                    node.body = ast.parse(body).body
    return ast.unparse(tree)


def returns_a_value(solution, name):
    """Whether the function ``name`` of a solution cell returns something (a `return <value>`)."""
    for node in ast.parse(solution).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(node))
    return False


def wrong_answers(solution):
    """{description: source} of wrong answers for a solution cell."""
    variables, functions = answer_names(solution)
    classes = [node.name for node in ast.parse(solution).body if isinstance(node, ast.ClassDef)]
    assert variables or functions or classes, f"cannot tell what this solution defines:\n{solution}"
    variants = {}
    for method in ("forward", "backward") if classes else ():
        for label, body in METHOD_BODIES.items():
            variants[f"{', '.join(classes)}.{method} {label}"] = with_method_replaced(solution, method, body)
    if variables:
        for label, value in VARIABLE_ANSWERS.items():
            variants[f"{', '.join(variables)} = {label}"] = "\n".join(f"{n} = {value}" for n in variables)
    for label, body in FUNCTION_BODIES.items():
        if functions:
            variants[f"{', '.join(functions)} {label}"] = "\n\n".join(
                f"def {name}(*args, **kwargs):\n    {body}" for name in functions)
    return variants


def exercises(student, source_nb):
    """(given cells, student answer cell, reference solution, check cell) per exercise, plus the
    code cells that run before each exercise's given cells, in order: a list of ("cell", src, tags)
    and ("exercise", ...) steps."""
    solutions = {c.get("id"): source(c) for c in source_nb["cells"] if nbgrader(c).get("solution")}
    cells = student["cells"]
    steps, given = [], []
    in_exercises = False
    i = 0
    while i < len(cells):
        c = cells[i]
        if c["cell_type"] == "markdown" and re.search(r"^## (Exercises|演習)", source(c), re.MULTILINE):
            in_exercises = True
        if c["cell_type"] == "code":
            meta = nbgrader(c)
            if meta.get("solution"):
                check = cells[i + 1]
                assert nbgrader(check).get("grade"), f"no check cell after {c.get('id')}"
                steps.append(("exercise", list(given), source(c), solutions[c["id"]], source(check),
                              meta["grade_id"]))
                given = []
                i += 2
                continue
            tags = c.get("metadata", {}).get("tags", [])
            if in_exercises:
                given.append(source(c))
            steps.append(("cell", source(c), tags))
        i += 1
    return steps


# ---------------------------------------------------------------------------------------------
# a kernel
# ---------------------------------------------------------------------------------------------

class Kernel:
    def __init__(self, cwd):
        from jupyter_client.manager import start_new_kernel

        self.km, self.kc = start_new_kernel(kernel_name="python3", cwd=str(cwd))

    def run(self, code, timeout=CELL_TIMEOUT):
        """Execute ``code``; returns (outputs, finished). outputs: ("stdout"|"stderr", text),
        ("error", ename, evalue, traceback lines) and ("data", text/plain) in order."""
        msg_id = self.kc.execute(code)
        outputs, deadline = [], time.monotonic() + timeout
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                self.km.interrupt_kernel()
                self._drain(msg_id)
                return outputs, False
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                outputs.append((content["name"], content["text"]))
            elif kind == "error":
                outputs.append(("error", content["ename"], content["evalue"], content["traceback"]))
            elif kind in ("execute_result", "display_data"):
                outputs.append(("data", content["data"].get("text/plain", "")))
            elif kind == "status" and content["execution_state"] == "idle":
                return outputs, True

    def _drain(self, msg_id, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = self.kc.get_iopub_msg(timeout=1)
            except queue.Empty:
                continue
            if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                    and msg["content"]["execution_state"] == "idle"):
                return

    def stop(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def verdict_problems(outputs, finished, lang="en"):
    """What is wrong with a check cell's outputs for a wrong answer (empty list: a proper hint)."""
    hint, correct, vague = VERDICTS[lang]
    if not finished:
        return [f"the check cell did not finish within {CELL_TIMEOUT} s"]
    problems = []
    stdout = "".join(o[1] for o in outputs if o[0] == "stdout")
    stderr = "".join(o[1] for o in outputs if o[0] == "stderr")
    errors = [o for o in outputs if o[0] == "error"]
    lines = [line for line in stdout.splitlines() if line.strip()]
    if any(not line.startswith(TICK) for line in lines):
        problems.append(f"printed more than verdicts: {lines}")
    if any(correct in line for line in lines):
        problems.append(f"said {correct} to a wrong answer")
    if stderr.strip():
        problems.append(f"wrote to stderr: {stderr.strip()[:300]}")
    if any(o[0] == "data" for o in outputs):
        problems.append("displayed a value")
    if len(errors) != 1:
        problems.append(f"expected one hint, got {len(errors)} errors")
    for _, ename, evalue, tb in errors:
        text = "\n".join(re.sub(r"\x1b\[[0-9;]*m", "", line) for line in tb)
        if ename != "Incomplete" or len(tb) != 1 or not text.startswith(hint):
            problems.append(f"a traceback, not a hint: {ename}: {evalue[:200]}\n{text[:1500]}")
        elif vague in text:
            problems.append(f"a hint that names no expectation: {text}")
    return problems


# ---------------------------------------------------------------------------------------------
# the test
# ---------------------------------------------------------------------------------------------

def hint_text(outputs):
    """The hint a check cell ended with ("" if none)."""
    errors = [o for o in outputs if o[0] == "error"]
    return "\n".join(re.sub(r"\x1b\[[0-9;]*m", "", line) for line in errors[-1][3]) if errors else ""


def verdict(outputs, finished):
    """The last line a check cell printed, or its hint."""
    stdout = "".join(o[1] for o in outputs if o[0] == "stdout").strip().splitlines()
    if not finished:
        return "(did not finish)"
    return hint_text(outputs) or (stdout[-1] if stdout else "")


def kernel_bool(kernel, expression):
    outputs, _ = kernel.run(f"print(bool({expression}))")
    text = "".join(o[1] for o in outputs if o[0] == "stdout").strip()
    assert text in ("True", "False"), (expression, outputs)
    return text == "True"


def assert_correct(kernel, check, grade_id, what, lang="en"):
    outputs, finished = kernel.run(check)
    stdout = "".join(o[1] for o in outputs if o[0] == "stdout").strip().splitlines()
    correct = VERDICTS[lang][1]
    assert finished and stdout and stdout[-1] == correct, f"{grade_id}: {what} is not {correct}: {outputs}"


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    """Student versions of the lessons, made as `./run student` makes them."""
    base = tmp_path_factory.mktemp("student")
    out = base / "student"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "course.py"), "student", str(out), "--course-dir", str(base / "course")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout
    return out


def test_wrong_answers_cover_variables_and_functions():
    variables = wrong_answers("a = b = None  # answers\n### BEGIN SOLUTION\na = 1\nb = 2\n### END SOLUTION")
    assert variables["a, b = None"] == "a = None\nb = None"
    assert len(variables) == len(VARIABLE_ANSWERS)
    functions = wrong_answers("def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION")
    assert functions["f never returns"] == "def f(*args, **kwargs):\n    while True:\n        pass"
    assert len(functions) == len(FUNCTION_BODIES)
    classes = wrong_answers("class F(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
                            "        return x.exp()\n\n    @staticmethod\n    def backward(ctx, g):\n"
                            "        return g\n")
    assert len(classes) == 2 * len(METHOD_BODIES)
    broken = classes["F.backward returns a float"]
    assert "return x.exp()" in broken and "return 1.0" in broken and "return g" not in broken


@pytest.mark.parametrize("lesson", LESSONS, ids=[str(p.relative_to(NOTEBOOKS).with_suffix("")) for p in LESSONS])
def test_every_wrong_answer_gets_a_hint(lesson, student_dir):
    rel = lesson.relative_to(NOTEBOOKS)
    lang = "ja" if rel.parent.name == "ja" else "en"
    student = json.loads((student_dir / rel).read_text(encoding="utf-8"))
    source_nb = json.loads(lesson.read_text(encoding="utf-8"))
    kernel = Kernel((student_dir / rel).parent)
    failures, tried = [], 0
    try:
        outputs, _ = kernel.run(f"import teachgrad.checks\nteachgrad.checks.TIME_LIMIT = {TIME_LIMIT}\n{SPOIL}")
        assert not any(o[0] == "error" for o in outputs), outputs
        for step in exercises(student, source_nb):
            if step[0] == "cell":
                _, code, tags = step
                outputs, finished = kernel.run(code)
                errors = [o for o in outputs if o[0] == "error"]
                assert finished and (not errors or "raises-exception" in tags), \
                    f"{lesson.name}: a lesson cell failed in the student version:\n{code[:300]}\n{errors[:1]}"
                continue
            _, given, unsolved, reference, check, grade_id = step
            variants = {"unsolved (as nbgrader leaves it)": unsolved, **wrong_answers(reference)}
            for label, answer in variants.items():
                tried += 1
                for code in given:
                    kernel.run(code)
                kernel.run(answer)
                outputs, finished = kernel.run(check)
                problems = verdict_problems(outputs, finished, lang)
                if problems:
                    failures.append(f"{grade_id}, {label}:\n  " + "\n  ".join(problems))
            for label, answer, words in REPORTED.get(grade_id, []):
                tried += 1
                for code in given:
                    kernel.run(code)
                kernel.run(answer)
                outputs, finished = kernel.run(check)
                problems = verdict_problems(outputs, finished, lang)
                words = reported_words(words, lang)
                if not problems and words not in hint_text(outputs):
                    problems.append(f"the hint does not name the mistake ({words!r}): {hint_text(outputs)}")
                if problems:
                    failures.append(f"{grade_id}, {label}:\n  " + "\n  ".join(problems))
            for label, answer in ACCEPTED.get(grade_id, []):
                for code in given:
                    kernel.run(code)
                kernel.run(answer)
                outputs, finished = kernel.run(check)
                if verdict(outputs, finished) != VERDICTS[lang][1]:
                    failures.append(f"{grade_id}, {label}: a right answer without {VERDICTS[lang][1]}: {outputs}")
            if grade_id in RESTORE:
                kernel.run(RESTORE[grade_id])
            for code in given:
                kernel.run(code)
            outputs, finished = kernel.run(reference)
            assert finished and not any(o[0] == "error" for o in outputs), \
                f"{grade_id}: the reference solution failed: {outputs}"
            assert_correct(kernel, check, grade_id, "the reference solution", lang)
            # the same kind of answer, one wrong value at a time
            variables, functions = answer_names(reference)
            spoilable = [n for n in variables if kernel_bool(kernel, f"__spoils({n})")]
            spoilable += [f for f in functions if returns_a_value(reference, f)]
            kernel.run("\n".join(f"__right_{n} = {n}" for n in variables + functions))
            for name in spoilable:
                tried += 1
                if name in functions:
                    spoil = (f"def {name}(*args, **kwargs):\n"
                             f"    return __spoil(__right_{name}(*args, **kwargs))")
                else:
                    spoil = f"{name} = __spoil(__right_{name})"
                outputs, _ = kernel.run(spoil)
                assert not any(o[0] == "error" for o in outputs), outputs
                outputs, finished = kernel.run(check)
                problems = verdict_problems(outputs, finished, lang)
                if problems:
                    failures.append(f"{grade_id}, {name} spoiled:\n  " + "\n  ".join(problems))
                kernel.run(f"{name} = __right_{name}")
            assert_correct(kernel, check, grade_id, "the restored reference answers", lang)
    finally:
        kernel.stop()
    print(f"{rel}: {tried} wrong answers tried")
    assert tried, "no exercise found"
    assert not failures, f"{rel}: {len(failures)} of {tried} wrong answers were not answered with a hint:\n" \
        + "\n".join(failures)


# What the hint for a name from an earlier lesson cell says, and what it must not say ("your answer").
EARLIER_CELL = {
    "en": ("`{name}` comes from an earlier cell of the lesson", "Write your answer"),
    "ja": ("`{name}` がレッスンのもっと前のセルで作られるもの", "解答セルに"),
}


@pytest.mark.parametrize("lesson", LESSONS, ids=[str(p.relative_to(NOTEBOOKS).with_suffix("")) for p in LESSONS])
def test_checks_after_a_kernel_restart(lesson, student_dir):
    """A learner who restarts the kernel and runs only the setup cell, an exercise's given cells, their
    answer and the check: the check passes on its own (it takes the lesson's helpers from the package),
    or - where the answer itself uses an earlier cell of the lesson - asks for that cell by name, never
    for "your answer"."""
    rel = lesson.relative_to(NOTEBOOKS)
    lang = "ja" if rel.parent.name == "ja" else "en"
    hint, correct, _ = VERDICTS[lang]
    earlier, not_yours = EARLIER_CELL[lang]
    student = json.loads((student_dir / rel).read_text(encoding="utf-8"))
    source_nb = json.loads(lesson.read_text(encoding="utf-8"))
    setup = next(source(c) for c in student["cells"] if c.get("id") == "setup")
    kernel = Kernel((student_dir / rel).parent)
    failures = []
    try:
        for step in exercises(student, source_nb):
            if step[0] != "exercise":
                continue
            _, given, _, reference, check, grade_id = step
            kernel.run("get_ipython().run_line_magic('reset', '-f')")  # the names a restart loses
            kernel.run(setup)
            for code in given:
                kernel.run(code)
            kernel.run(reference)
            outputs, finished = kernel.run(check)
            said = verdict(outputs, finished)
            if grade_id in NEEDS_LESSON_CELLS:
                name = NEEDS_LESSON_CELLS[grade_id]
                if not (said.startswith(hint) and earlier.format(name=name) in said and not_yours not in said):
                    failures.append(f"{grade_id}: should ask for the earlier cell that makes `{name}`: {said}")
            elif said != correct:
                failures.append(f"{grade_id}: the check depends on an earlier cell of the lesson: {said}")
    finally:
        kernel.stop()
    assert not failures, f"{rel}: after a kernel restart:\n" + "\n".join(failures)


def test_the_reported_answers_have_japanese_words():
    english = {words for answers in REPORTED.values() for _, _, words in answers}
    assert not english - set(REPORTED_JA), f"no Japanese words for: {sorted(english - set(REPORTED_JA))}"
    assert not set(REPORTED_JA) - english, f"Japanese words for no reported answer: {sorted(set(REPORTED_JA) - english)}"


def test_the_reported_answers_name_existing_exercises():
    grade_ids = {nbgrader(c).get("grade_id") for path in LESSONS
                 for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if nbgrader(c).get("solution")}
    named = set(REPORTED) | set(ACCEPTED) | set(RESTORE) | set(NEEDS_LESSON_CELLS)
    assert named <= grade_ids, f"no such exercise: {sorted(named - grade_ids)}"
