"""The fuzzer's op table: one row per op (or per API form that matters), one line each.

A row is ``R(name, template, **placeholders)``. The template is the statement's code; alternatives
separated by `` || `` are picked at random (method and function forms). Placeholders are filled by
samplers (args.py): ``x=T(FLOAT)`` picks or makes a float tensor, ``y=BC("x")`` a tensor that
broadcasts with it, ``d=DIM("x")`` a dim of it, ``s=S()`` a scalar ... ``{out}``, ``{m}``, ``{o}``,
``{h}``, ``{sch}`` are new variables; without ``{out}`` the result is assigned to ``outs`` new names.

Row options: ``level`` (EXACT, ULP for transcendentals, DRIFT for BLAS and reductions whose order
PyTorch does not promise), ``backward_level`` (the same for the op's derivative, where it needs a
transcendental although the op itself does not), ``expect`` ("ok": PyTorch accepts it; "raises": PyTorch must reject it;
"either": whatever PyTorch does, e.g. in-place ops that may hit a leaf), ``writes`` (placeholders
modified in place), ``grad`` (placeholder whose graph is differentiated), ``weight``.

Adding an op is one line here; if it needs an operand no sampler makes, add a sampler in args.py.
"""

import string
from dataclasses import dataclass, field

from .args import (ADV_INDEX, BAD_INDEX, BAD_SHAPE, BC, BMM, C, CATP, CE_KW, CONV, DIAG, DIM, DIMS, EXPAND,
                   GATHER, GRADIENT, INDEX, LAST, LEAVES, LIN, MAT, MASK, MM, NARROW, OPT_LEVEL, PERM, POOL,
                   REPEAT, RESHAPE, SAME, SELECT, SHAPE, SQUEEZE_DIM, TARGET, TWO_DIMS, UNFLATTEN, VAR, Env, S, T)
from .generator import ANY, BOOL, FLOAT, F32, INT, NUM, Rejected
from .program import DRIFT, EXACT, ULP, ZERO_SIGN, Stmt

FRESH = ("out", "out2", "m", "o", "h", "sch")


@dataclass
class Row:
    name: str
    template: str
    args: dict = field(default_factory=dict)
    outs: int = 1
    level: int = EXACT
    backward_level: int = EXACT
    expect: str = "ok"
    writes: tuple = ()
    grad: str = None
    touches_grads: bool = False
    weight: float = 1.0
    group: str = "op"
    follow: tuple = ()   # rows worth trying right after this one (they need its result)

    def build(self, g):
        env = Env()
        template = env.template = g.pick(self.template.split(" || "))
        used = {f for _, f, _, _ in string.Formatter().parse(template) if f}
        for key, sampler in self.args.items():
            if key not in used:
                continue
            text = sampler(g, env)
            env.text[key] = text
            env.names[key] = text
        fresh = {k: g.fresh({"m": "m", "o": "o", "h": "h", "sch": "s"}.get(k, "v")) for k in FRESH if k in used and k not in self.args}
        body = template.format(**env.text, **fresh)
        defines = list(fresh.values())
        n_outs = env.n_outs if env.n_outs is not None else self.outs
        if not fresh and n_outs:
            outs = [g.fresh() for _ in range(n_outs)]
            body = ", ".join(outs) + ("," if n_outs == 1 and env.n_outs is not None else "") + " = " + body
            defines += outs
        writes = [env.names[k] for k in self.writes if k in env.names] + list(env.extra.get("writes", ()))
        tags = set()
        if self.group == "inplace":
            tags.add("inplace")
        for w in writes:
            t = g.value(w)
            if t._base is not None:
                tags.add("inplace-view")
            if t.is_leaf and t.requires_grad:
                tags.add("inplace-leaf")
            if g.aliases(w):
                tags.add("inplace-aliased")
        if "no_grad" in body:
            tags.add("no_grad")
        stmt = Stmt(body, self.name, defines=tuple(defines), uses=tuple(dict.fromkeys(env.uses)),
                    writes=tuple(writes), level=max(self.level, env.level), backward_level=self.backward_level,
                    grad_root=env.names.get(self.grad), touches_grads=self.touches_grads, tags=tuple(sorted(tags)))
        return stmt, self.expect


def R(name, template, *, outs=None, level=EXACT, backward_level=EXACT, expect="ok", writes=(), grad=None,
      touches_grads=False, weight=1.0, group="op", follow=(), **args):
    if outs is None:
        outs = 0 if group == "inplace" else 1
    return Row(name, template, args, outs, level, backward_level, expect, writes, grad, touches_grads, weight, group,
               follow)


def X(kinds=FLOAT, **kw):
    return T(kinds, **kw)


def numel_one(t):
    return t.numel() == 1


def has_grad(t):
    return t.grad is not None


def is_2d(t):
    return t.dim() == 2


E = "either"

# --------------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------------
OPS = [
    # ---- creation
    R("randn", "torch.randn({shp}, requires_grad={b}) || torch.randn({shp}, dtype=torch.float64)", shp=SHAPE(), b=C("True", "False"), weight=0.5),
    R("rand", "torch.rand({shp}) || torch.rand({shp}, requires_grad=True)", shp=SHAPE(), weight=0.3),
    R("zeros_ones", "torch.zeros({shp}) || torch.ones({shp}, requires_grad=True) || torch.ones({shp}, dtype=torch.int64) || torch.zeros({shp}, dtype=torch.bool)", shp=SHAPE(), weight=0.4),
    R("full", "torch.full({shp}, {s}) || torch.full({shp}, {s}, requires_grad=True)", shp=SHAPE(tuple_=True), s=S(), weight=0.3),
    R("arange", "torch.arange({n}) || torch.arange({s}, {n}, {p}) || torch.arange({n}.0)", n=S("small"), s=C("0", "-1", "0.5", "-1.5"), p=C("1", "0.5", "0.25", "0.1", "0.3"), weight=0.5),
    R("linspace", "torch.linspace({a}, {b}, {n}) || torch.linspace({a}, {b}, steps={n}, dtype=torch.float64)", a=C("-1", "0", "-3.14159", "-1.2"), b=C("1", "2", "3.14159", "1.2", "0.7"), n=C("1", "2", "5", "7", "10", "33"), weight=0.5),
    R("eye", "torch.eye({n}) || torch.eye({n}, {k}, requires_grad=True)", n=S("small"), k=S("small"), weight=0.2),
    R("like", "torch.zeros_like({x}) || torch.ones_like({x}) || torch.full_like({x}, {s}) || torch.rand_like({x}) || torch.randn_like({x})", x=X(FLOAT), s=S(), weight=0.4),
    R("randint", "torch.randint(0, {n}, {shp})", n=C("2", "5"), shp=SHAPE(tuple_=True, min_dim=1), weight=0.2),
    R("device_kw", "torch.ones({shp}, device='cpu') || torch.tensor([1.0, 2.0], device=torch.device('cpu'))", shp=SHAPE(), weight=0.15),

    # ---- elementwise, one operand
    R("neg", "-{x} || {x}.neg() || torch.neg({x})", x=X(NUM)),
    R("abs", "{x}.abs() || torch.abs({x}) || abs({x})", x=X(NUM)),
    R("exp", "{x}.exp() || torch.exp({x})", x=X(), level=ULP),
    R("log", "{x}.log() || torch.log({x})", x=X(), level=ULP),
    R("log1p", "{x}.log1p() || torch.log1p({x})", x=X(), level=ULP),
    R("sqrt", "{x}.sqrt() || torch.sqrt({x})", x=X(), level=ULP),  # MKL's sqrt: not correctly rounded
    R("sin", "{x}.sin() || torch.sin({x})", x=X(), level=ULP),
    R("cos", "{x}.cos() || torch.cos({x})", x=X(), level=ULP),
    R("tanh", "{x}.tanh() || torch.tanh({x}) || F.tanh({x})", x=X(), level=ULP),
    R("sigmoid", "{x}.sigmoid() || torch.sigmoid({x}) || F.sigmoid({x})", x=X(), level=ULP),
    R("relu", "{x}.relu() || torch.relu({x}) || F.relu({x})", x=X(NUM)),
    R("leaky_relu", "F.leaky_relu({x}, {s}) || F.leaky_relu({x})", x=X(), s=C("0.01", "0.1", "0.2")),
    R("square", "{x}.square() || torch.square({x})", x=X(NUM)),
    R("reciprocal", "{x}.reciprocal() || torch.reciprocal({x})", x=X()),
    R("pow_int", "{x} ** {e} || {x}.pow({e}) || torch.pow({x}, {e})", x=X(NUM), e=C("2", "3", "1", "0", "2.0", "3.0")),
    # x ** -2 and x ** -0.5 are exact, their derivatives need pow(x, -3) and pow(x, -1.5): SLEEF's pow
    R("pow_special", "{x} ** {e} || {x}.pow({e})", x=X(), e=C("-1", "-2", "-0.5"), backward_level=DRIFT),
    R("pow_float", "{x} ** {e} || {x}.pow({e})", x=X(), e=C("0.5", "1.5", "2.5", "-1.5", "0.3"), level=ULP),
    R("rpow", "{s} ** {x}", x=X(), s=C("2", "0.5", "3.0"), level=ULP),
    R("pow_tensor", "{x} ** {y} || torch.pow({x}, {y})", x=X(style="positive"), y=BC("x"), level=ULP, expect=E),
    R("clamp", "{x}.clamp({a}, {b}) || {x}.clamp(min={a}) || torch.clamp({x}, max={b}) || {x}.clip({a}, {b})", x=X(NUM), a=C("-1", "-0.5", "0", "0.5"), b=C("0", "0.5", "1", "2")),
    R("clamp_tensor", "torch.clamp({x}, min={y}) || {x}.clamp(max={y}) || torch.clamp({x}, {y}, {z})", x=X(), y=BC("x", to=True), z=BC("x", to=True), level=ZERO_SIGN),
    R("isnan", "{x}.isnan() || torch.isfinite({x}) || torch.isnan({x})", x=X(ANY), weight=0.3),
    R("softmax", "F.softmax({x}, dim={d}) || {x}.softmax({d}) || torch.softmax({x}, dim={d})", x=X(), d=DIM(), level=DRIFT),
    R("log_softmax", "F.log_softmax({x}, dim={d}) || {x}.log_softmax({d})", x=X(), d=DIM(), level=DRIFT),
    R("to_dtype", "{x}.to(torch.{dt}) || {x}.float() || {x}.double() || {x}.long() || {x}.bool() || {x}.type(torch.{dt})", x=X(ANY), dt=C("float32", "float64", "int64", "bool")),
    R("bool_ops", "~{b} || {b} & {c} || {b} | {c} || {b} ^ {c}", b=X(BOOL), c=BC("b", kinds=BOOL), expect=E, weight=0.3),

    # ---- elementwise, two operands (dtype mixes come from the partner's dtype)
    R("add", "{x} + {y} || {x}.add({y}) || torch.add({x}, {y})", x=X(ANY), y=BC("x"), expect=E, weight=2),
    R("sub", "{x} - {y} || {x}.sub({y}) || torch.sub({x}, {y})", x=X(ANY), y=BC("x"), expect=E, weight=1.5),
    R("mul", "{x} * {y} || {x}.mul({y}) || torch.mul({x}, {y})", x=X(ANY), y=BC("x"), expect=E, weight=2),
    R("div", "{x} / {y} || {x}.div({y}) || torch.div({x}, {y})", x=X(NUM), y=BC("x"), expect=E, weight=1.5),
    R("add_alpha", "torch.add({x}, {y}, alpha={s}) || {x}.sub({y}, alpha={s}) || {x}.add({y}, alpha={s})", x=X(), y=BC("x", alpha_level=DRIFT), s=C("2", "0.5", "-1.5", "3")),
    R("scalar_op", "{x} + {s} || {s} - {x} || {x} * {s} || {x} / {s} || {s} / {x} || {s} * {x} || {x} - {s}", x=X(ANY), s=S(), expect=E, weight=2),
    R("int_scalar_op", "{x} + {s} || {x} * {s} || {x} // {p} || {x} % {p} || {s} - {x}", x=X(INT + BOOL), s=S("int"), p=S("small"), expect=E, weight=0.5),
    R("maximum", "torch.maximum({x}, {y}) || torch.minimum({x}, {y}) || {x}.maximum({y}) || {x}.minimum({y})", x=X(NUM), y=BC("x", style="nice"), expect=E, level=ZERO_SIGN),
    R("where", "torch.where({c}, {x}, {y}) || {x}.where({c}, {y})", x=X(), c=MASK(), y=BC("x"), expect=E),
    R("where_scalar", "torch.where({c}, {x}, {s}) || torch.where({c}, {s}, {x})", x=X(), c=MASK(), s=S(), expect=E),
    R("compare", "{x} > {y} || {x} < {y} || {x} >= {y} || {x} <= {y} || {x} == {y} || {x} != {y} || {x}.eq({y}) || torch.gt({x}, {y}) || {x}.le({y})", x=X(ANY), y=BC("x", style="nice"), expect=E),
    R("compare_scalar", "{x} > {s} || {x} == {s} || {x}.lt({s}) || {x} != {s}", x=X(NUM), s=S(), weight=0.5),
    R("matmul", "{x} @ {y} || torch.matmul({x}, {y}) || {x}.matmul({y})", x=X(min_dim=1), y=MAT("x"), level=DRIFT, expect=E),
    R("mm", "torch.mm({x}, {y}) || {x}.mm({y})", x=X(min_dim=2, max_dim=2), y=MM("x", mix=0), level=DRIFT),
    R("bmm", "torch.bmm({x}, {y}) || {x}.bmm({y})", x=X(min_dim=3, max_dim=3), y=BMM("x", mix=0), level=DRIFT),
    R("dot", "{x}.dot({y}) || torch.dot({x}, {y})", x=X(min_dim=1, max_dim=1), y=MAT("x"), level=DRIFT, expect=E, weight=0.5),
    R("outer", "torch.outer({x}, {y}) || {x}.outer({y})", x=X(min_dim=1, max_dim=1), y=X(max_dim=2), expect=E, weight=0.5),

    # ---- reductions
    R("sum", "{x}.sum() || torch.sum({x})", x=X(ANY), weight=1.5),
    R("sum_dim", "{x}.sum(dim={d}, keepdim={k}) || {x}.sum({d}) || torch.sum({x}, {d}, keepdim={k}) || {x}.sum({ds})", x=X(ANY), d=DIM(), k=C("True", "False"), ds=DIMS(), weight=1.5),
    R("mean", "{x}.mean() || torch.mean({x}) || {x}.mean(dim={d}, keepdim={k}) || {x}.mean({ds})", x=X(ANY), d=DIM(), k=C("True", "False"), ds=DIMS(), expect=E, weight=1.5),
    R("max_min", "{x}.max() || {x}.min() || torch.max({x}) || torch.min({x})", x=X(NUM), level=ZERO_SIGN),
    R("max_min_dim", "{x}.max(dim={d}, keepdim={k}) || {x}.min({d}) || torch.max({x}, {d}) || torch.min({x}, dim={d}, keepdim={k})", x=X(NUM), d=DIM(), k=C("True", "False"), outs=2),
    R("max_binary", "torch.max({x}, {y}) || torch.min({x}, {y})", x=X(NUM), y=BC("x", style="nice"), expect=E, weight=0.5, level=ZERO_SIGN),
    R("argmax", "{x}.argmax() || {x}.argmin() || {x}.argmax(dim={d}) || torch.argmin({x}, dim={d}, keepdim={k})", x=X(NUM), d=DIM(), k=C("True", "False")),
    R("amax", "{x}.amax(dim={d}, keepdim={k}) || torch.amin({x}, {d}) || {x}.amax({ds}) || {x}.amin()", x=X(NUM, style="nice"), d=DIM(), k=C("True", "False"), ds=DIMS(), level=ZERO_SIGN),
    R("prod", "{x}.prod() || {x}.prod(dim={d}, keepdim={k}) || torch.prod({x}, {d})", x=X(NUM), d=DIM(), k=C("True", "False"), level=DRIFT),
    R("var_std", "{x}.var() || {x}.std() || {x}.var(dim={d}, keepdim={k}) || {x}.std({d}, unbiased={u}) || torch.var({x}, dim={d}, correction={c}) || torch.std({x}, {ds})", x=X(), d=DIM(), k=C("True", "False"), u=C("True", "False"), c=C("0", "1", "2"), ds=DIMS(), level=DRIFT, expect=E),
    R("logsumexp", "torch.logsumexp({x}, dim={d}, keepdim={k}) || {x}.logsumexp({d}) || {x}.logsumexp({ds})", x=X(), d=DIM(), k=C("True", "False"), ds=DIMS(), level=DRIFT),
    R("norm", "{x}.norm() || {x}.norm(p={p}, dim={d}, keepdim={k}) || torch.norm({x}) || {x}.norm({p})", x=X(), d=DIM(), k=C("True", "False"), p=C("1", "2", "3"), level=DRIFT),
    R("cumsum", "{x}.cumsum(dim={d}) || torch.cumsum({x}, {d})", x=X(NUM), d=DIM()),
    R("all_any", "{x}.all() || {x}.any() || torch.all({x}) || {x}.any(dim={d})", x=X(ANY), d=DIM(), weight=0.4),

    # ---- shape ops and views
    R("view", "{x}.view({shp}) || {x}.view(-1)", x=X(ANY), shp=RESHAPE(), expect=E, weight=1.5),
    R("reshape", "{x}.reshape({shp}) || torch.reshape({x}, ({shp},))", x=X(ANY), shp=RESHAPE()),
    R("flatten", "{x}.flatten() || torch.flatten({x}, {d}) || {x}.flatten(start_dim={d})", x=X(ANY), d=DIM(), expect=E),
    R("unflatten", "{x}.unflatten({u})", x=X(ANY, min_dim=1), u=UNFLATTEN(), weight=0.4),
    R("t", "{x}.t() || torch.t({x})", x=X(ANY, max_dim=2)),
    # x.T only on 2-D tensors: on others PyTorch warns once per process (TORCH_WARN_ONCE), so
    # whether a program sees the warning would depend on what ran before it.
    R("T", "{x}.T", x=X(ANY, min_dim=2, max_dim=2), weight=0.5),
    R("mT", "{x}.mT", x=X(ANY, min_dim=2), weight=0.3),
    R("transpose", "{x}.transpose({dd}) || torch.transpose({x}, {dd})", x=X(ANY), dd=TWO_DIMS(), weight=1.2),
    R("permute", "{x}.permute({p}) || torch.permute({x}, ({p},))", x=X(ANY, min_dim=1), p=PERM()),
    R("squeeze", "{x}.squeeze() || {x}.squeeze({d}) || torch.squeeze({x}, {d})", x=X(ANY), d=SQUEEZE_DIM()),
    R("unsqueeze", "{x}.unsqueeze({d}) || torch.unsqueeze({x}, {d}) || {x}[None]", x=X(ANY), d=DIM(extra=1)),
    R("expand", "{x}.expand({e})", x=X(ANY), e=EXPAND(), expect=E),
    R("expand_as", "{x}.expand_as({y})", x=X(ANY), y=BC("x", reuse=0), expect=E, weight=0.4),
    R("narrow", "{x}.narrow({n}) || torch.narrow({x}, {n})", x=X(ANY, min_dim=1), n=NARROW()),
    R("select", "{x}.select({s}) || torch.select({x}, {s})", x=X(ANY, min_dim=1), s=SELECT()),
    R("diagonal", "{x}.diagonal({dg}) || torch.diagonal({x}, {dg}) || {x}.diagonal()", x=X(ANY, min_dim=2), dg=DIAG(), weight=0.5),
    R("index", "{x}{i}", x=X(ANY), i=INDEX(), weight=2.5),
    R("index_adv", "{x}{i}", x=X(ANY, min_dim=1), i=ADV_INDEX(), weight=0.6),
    R("index_mask", "{x}[{mk}]", x=X(ANY, min_dim=1), mk=MASK(exact=True), weight=0.5),
    R("contiguous", "{x}.contiguous() || {x}.clone() || torch.clone({x})", x=X(ANY)),
    R("detach", "{x}.detach() || {x}.data", x=X(ANY)),
    R("repeat", "{x}.repeat({r})", x=X(ANY), r=REPEAT()),
    R("cat", "torch.cat([{x}, {y}], dim={d}) || torch.cat(({x}, {y}), {d}) || torch.concat([{x}, {y}], dim={d})", x=X(ANY, min_dim=1), d=DIM(), y=CATP("x", kinds=None)),
    R("stack", "torch.stack([{x}, {y}], dim={d}) || torch.stack(({y}, {x}))", x=X(ANY), d=DIM(extra=1), y=SAME("x", mix=0.1)),
    R("gather", "torch.gather({x}, {g}) || {x}.gather({g})", x=X(NUM, min_dim=1), g=GATHER()),
    R("masked_fill", "{x}.masked_fill({mk}, {s}) || torch.masked_fill({x}, {mk}, {s})", x=X(NUM), mk=MASK(), s=C("0.0", "-1e9", "1.5", "float('-inf')", "2"), expect=E),

    # ---- in-place ops (on leaves, views, views of leaves: PyTorch decides which are allowed)
    R("add_", "{x}.add_({y}) || {x}.add_({y}, alpha={s}) || {x} += {y}", x=X(ANY), y=BC("x", to=True, alpha_level=DRIFT), s=C("2", "0.5"), writes=("x",), expect=E, group="inplace", weight=1.5),
    R("sub_mul_div_", "{x}.sub_({y}) || {x}.mul_({y}) || {x}.div_({y}) || {x} *= {y} || {x} -= {y} || {x} /= {y}", x=X(NUM), y=BC("x", to=True), writes=("x",), expect=E, group="inplace", weight=1.5),
    R("scalar_", "{x}.add_({s}) || {x}.mul_({s}) || {x}.sub_({s}) || {x}.div_({s}) || {x} += {s} || {x} *= {s}", x=X(NUM), s=S(), writes=("x",), expect=E, group="inplace", weight=1.5),
    R("clamp_", "{x}.clamp_({a}, {b}) || {x}.clamp_(min={a}) || {x}.relu_() || torch.relu_({x})", x=X(NUM), a=C("-1", "0", "0.5"), b=C("1", "2"), writes=("x",), expect=E, group="inplace"),
    R("pow_", "{x}.pow_({e}) || {x}.square_() || {x}.exp_() || {x}.sqrt_()", x=X(), e=C("2", "3", "0.5"), writes=("x",), expect=E, group="inplace", level=ULP, weight=0.5),
    R("zero_fill_", "{x}.zero_() || {x}.fill_({s}) || torch.nn.init.zeros_({x})", x=X(ANY), s=S(), writes=("x",), expect=E, group="inplace"),
    R("copy_", "{x}.copy_({y})", x=X(ANY), y=BC("x", to=True, kinds=ANY), writes=("x",), expect=E, group="inplace"),
    R("masked_fill_", "{x}.masked_fill_({mk}, {s})", x=X(NUM), mk=MASK(exact=False), s=C("0.0", "-1.0", "5"), writes=("x",), expect=E, group="inplace", weight=0.6),
    R("setitem", "{x}{i} = {s}", x=X(ANY), i=INDEX(), s=S(), writes=("x",), expect=E, group="inplace", weight=1.5),
    R("setitem_tensor", "{x}[{k}] = {y}", x=X(NUM, min_dim=1), k=C("0", "-1", "1:", ":1", "..."), y=T(NUM, max_dim=0), writes=("x",), expect=E, group="inplace"),
    R("setitem_mask", "{x}[{mk}] = {s}", x=X(NUM, min_dim=1), mk=MASK(exact=True), s=S(), writes=("x",), expect=E, group="inplace", weight=0.5),
    R("inplace_through_view", "{x}{i}.mul_({s}) || {x}{i}.add_({s}) || {x}{i}.zero_() || {x}.t().add_({s}) || {x}.view(-1).mul_({s}) || {x}.select({sel}).fill_({s})", x=X(NUM), i=INDEX(), s=S(), sel=SELECT(), writes=("x",), expect=E, group="inplace", weight=1.5),
    R("random_", "{x}.normal_() || {x}.uniform_(-1, 1) || {x}.normal_(0.0, 0.1)", x=X(FLOAT), writes=("x",), expect=E, group="inplace", weight=0.3),
    R("no_grad_update", "with torch.no_grad():\n    {x} -= {s} * {x}.grad || with torch.no_grad():\n    {x}.sub_({x}.grad, alpha={s}) || with torch.no_grad():\n    {x}.add_({x}.grad * -{s})", x=X(FLOAT, leaf=True, grad=True, pred=has_grad, new=0), s=S("pos"), writes=("x",), touches_grads=True, group="inplace", expect=E),
    R("no_grad_inplace", "with torch.no_grad():\n    {x}.mul_({s}) || with torch.no_grad():\n    {x}[0] = {s} || with torch.no_grad():\n    {x}.zero_()", x=X(NUM, min_dim=1), s=S(), writes=("x",), group="inplace", expect=E, weight=0.6),

    # ---- autograd
    R("backward", "{x}.backward() || {x}.backward(retain_graph=True)", x=X(FLOAT, pred=numel_one), grad="x", expect=E, outs=0, touches_grads=True, weight=1.5, follow=('no_grad_update', 'grad_reset')),
    R("backward_sum", "{x}.sum().backward() || {x}.mean().backward(retain_graph=True) || {x}.sum().backward(retain_graph=True)", x=X(FLOAT), grad="x", expect=E, outs=0, touches_grads=True, weight=1.5, follow=('no_grad_update', 'clip_grad_norm', 'grad_reset')),
    R("backward_gradient", "{x}.backward({gr}) || {x}.backward(gradient={gr}, retain_graph=True) || torch.autograd.backward({x}, {gr})", x=X(FLOAT), gr=GRADIENT(), grad="x", expect=E, outs=0, touches_grads=True),
    R("autograd_grad", "torch.autograd.grad({x}, {ins}) || torch.autograd.grad({x}, {ins}, retain_graph=True) || torch.autograd.grad({x}.sum(), {ins}, allow_unused=True, retain_graph=True) || torch.autograd.grad([{x}.sum()], {ins}, materialize_grads=True, allow_unused=True)", x=X(FLOAT, grad=True, pred=numel_one, new=0), ins=LEAVES(n_outs=True, allow_nonleaf=True), grad="x", expect=E, weight=1.2, follow=('err_grad_unused',)),
    R("grad_reset", "{x}.grad = None || {x}.grad.zero_() || {x}.grad.data.zero_()", x=X(FLOAT, leaf=True, grad=True, new=0), outs=0, expect=E, touches_grads=True, weight=0.8),
    R("grad_assign", "{x}.grad = {y}", x=X(FLOAT, leaf=True, grad=True, new=0), y=BC("x", kinds=FLOAT, grad=False, reuse=0), outs=0, expect=E, touches_grads=True, weight=0.4),
    R("retain_grad", "{x}.retain_grad()", x=X(FLOAT, leaf=False), outs=0, weight=0.5, follow=('backward_sum',)),
    R("requires_grad", "{x}.requires_grad_() || {x}.requires_grad_(False) || {x}.requires_grad = {b}", x=X(ANY), b=C("True", "False"), outs=0, expect=E, weight=0.8),
    R("no_grad", "with torch.no_grad():\n    {out} = {x} * {s} || with torch.no_grad():\n    {out} = {x}.sum() || with torch.set_grad_enabled(False):\n    {out} = {x} + {s} || with torch.no_grad():\n    with torch.enable_grad():\n        {out} = {x} * {s}", x=X(FLOAT), s=S()),
    R("detach_", "{x}.detach_()", x=X(FLOAT), outs=0, expect=E, weight=0.3),
    R("hook", "{h} = {x}.register_hook(lambda g: g * {s}) || {h} = {x}.register_hook(lambda g: print('hook', g.shape, g.dtype)) || {h} = {x}.register_hook(lambda g: None)", x=X(FLOAT, grad=True), s=C("2", "0.5", "-1"), expect=E, weight=0.6, follow=('backward_sum', 'hook_remove', 'backward_sum')),
    R("hook_remove", "{h}.remove()", h=VAR("torch.utils.hooks.RemovableHandle"), outs=0, weight=2),
    R("python_value", "{x}.item() || {x}.tolist() || {x}.numel() || {x}.shape || {x}.size({d}) || {x}.dim() || {x}.is_contiguous() || {x}.stride() || float({x}) || {x}.size()[1:] || {x}.shape[-1]", x=X(ANY), d=DIM(), expect=E, weight=0.8),

    # ---- losses and nn
    R("mse_loss", "F.mse_loss({x}, {y}) || F.mse_loss({x}, {y}, reduction={r}) || nn.MSELoss()({x}, {y}) || nn.MSELoss(reduction={r})({x}, {y})", x=X(), y=SAME("x"), r=C("'mean'", "'sum'", "'none'")),
    R("mse_broadcast", "F.mse_loss({x}, {y})", x=X(min_dim=1), y=BC("x", reuse=0), expect=E, weight=0.3),
    R("l1_loss", "F.l1_loss({x}, {y}) || F.l1_loss({x}, {y}, reduction={r}) || nn.L1Loss()({x}, {y})", x=X(), y=SAME("x"), r=C("'mean'", "'sum'", "'none'")),
    R("legacy_reduction", "F.mse_loss({x}, {y}, size_average=False) || F.l1_loss({x}, {y}, reduce=False) || nn.MSELoss(size_average=False)({x}, {y}) || F.cross_entropy({x}, {x}.argmax(-1), size_average=True)", x=X(min_dim=1, max_dim=2), y=SAME("x"), level=DRIFT, weight=0.3),
    R("cross_entropy", "F.cross_entropy({x}, {t}{kw}) || nn.CrossEntropyLoss({kw2})({x}, {t})", x=X(min_dim=1, max_dim=2), t=TARGET(), kw=CE_KW(), kw2=C("", "label_smoothing=0.1", "reduction='sum'"), level=DRIFT, expect=E, weight=1.2),
    R("cross_entropy_probs", "F.cross_entropy({x}, {p}) || F.cross_entropy({x}, {p}, label_smoothing={ls})", x=X(min_dim=1, max_dim=2), p=SAME("x", mix=0, style="positive", grad=False), ls=C("0.1", "0.2"), level=DRIFT, weight=0.4),
    R("nll_loss", "F.nll_loss({x}, {t}{kw}) || nn.NLLLoss()({x}, {t})", x=X(min_dim=1, max_dim=2), t=TARGET(), kw=CE_KW(smoothing=False), expect=E),
    R("bce", "F.binary_cross_entropy(torch.sigmoid({x}), {y}) || F.binary_cross_entropy_with_logits({x}, {y}) || nn.BCEWithLogitsLoss()({x}, {y})", x=X(), y=SAME("x", mix=0, style="unit", grad=False), level=DRIFT, weight=0.5),
    R("linear", "{m} = nn.Linear({lin})\n{out} = {m}({x}) || {m} = nn.Linear({lin}, bias=False)\n{out} = {m}({x})", x=X(F32, min_dim=1), lin=LIN(), level=DRIFT, follow=('module_call', 'backward_sum')),
    R("F_linear", "F.linear({x}, {w}) || F.linear({x}, {w}, {b})", x=X(min_dim=1, max_dim=2), w=MAT("x", batch=False, vec=False), b=T(FLOAT, max_dim=1), level=DRIFT, expect=E, weight=0.5),
    R("sequential", "{m} = nn.Sequential(nn.Linear({n}, 3), nn.ReLU(), nn.Linear(3, 2))\n{out} = {m}({x}) || {m} = nn.Sequential(nn.Flatten(), nn.Identity(), nn.Tanh())\n{out} = {m}({x})", x=X(F32, min_dim=1, max_dim=2), n=LAST(), level=DRIFT, weight=0.5),
    R("module_list", "{m} = nn.ModuleList([nn.Linear({n}, {n}), nn.LeakyReLU(0.1), nn.Softmax(dim=-1)])\n{out} = {x}\nfor layer in {m}:\n    {out} = layer({out})", x=X(F32, min_dim=1, max_dim=2), n=LAST(), level=DRIFT, weight=0.3),
    R("module_call", "{out} = {m}({x})", m=VAR("torch.nn.Linear"), x=X(F32, min_dim=1), level=DRIFT, expect=E, weight=2),
    R("small_modules", "nn.Flatten()({x}) || nn.LeakyReLU({s})({x}) || nn.Softmax(dim={d})({x}) || nn.Identity()({x}) || nn.ReLU()({x}) || nn.Tanh()({x}) || nn.Sigmoid()({x}) || nn.Flatten(0)({x})", x=X(min_dim=1), s=C("0.01", "0.2"), d=DIM(), level=DRIFT, expect=E),
    R("conv2d", "F.conv2d({x}, {cv})", x=X(min_dim=3, max_dim=4, new=0.9), cv=CONV(), level=DRIFT, expect=E),
    R("Conv2d", "{m} = nn.Conv2d({cv})\n{out} = {m}({x})", x=X(min_dim=3, max_dim=4, new=0.9), cv=CONV(module=True), level=DRIFT, expect=E),
    R("max_pool2d", "F.max_pool2d({x}, {p}) || nn.MaxPool2d({p})({x})", x=X(min_dim=3, max_dim=4, new=0.9, style="nice"), p=POOL(), expect=E),
    R("forward_hook", "{m} = nn.Linear({lin})\n{h} = {m}.register_forward_hook(lambda mod, inp, out: print(type(mod).__name__, out.shape))\n{out} = {m}({x}) || {m} = nn.Identity()\n{h} = {m}.register_forward_pre_hook(lambda mod, inp: print('pre', len(inp)))\n{out} = {m}({x})", x=X(F32, min_dim=1, max_dim=2), lin=LIN(), level=DRIFT, weight=0.3),

    # ---- optimizers, schedulers, clipping
    R("optimizer", "{o} = torch.optim.SGD({ps}, lr={lr}) || {o} = torch.optim.SGD({ps}, lr={lr}, momentum=0.9) || {o} = torch.optim.Adam({ps}, lr={lr}) || {o} = torch.optim.AdamW({ps}) || {o} = torch.optim.RMSprop({ps}, lr={lr})", ps=LEAVES(), lr=C("0.1", "0.01", "0.5"), expect=E, weight=1, follow=('backward_sum', 'opt_step', 'scheduler', 'opt_zero_grad', 'backward_sum', 'opt_step')),
    R("opt_step", "{o}.step()", o=OPT_LEVEL("torch.optim.Optimizer"), outs=0, touches_grads=True, expect=E, weight=3),
    R("opt_zero_grad", "{o}.zero_grad() || {o}.zero_grad(set_to_none=False)", o=VAR("torch.optim.Optimizer"), outs=0, touches_grads=True, weight=1.5),
    R("scheduler", "{sch} = torch.optim.lr_scheduler.StepLR({o}, step_size=2, gamma=0.5) || {sch} = torch.optim.lr_scheduler.ExponentialLR({o}, gamma=0.9)", o=VAR("torch.optim.Optimizer"), outs=0, weight=1.5, follow=('sched_step', 'backward_sum', 'opt_step', 'sched_step')),
    R("sched_step", "{sch}.step()\n{out} = {sch}.get_last_lr()", sch=VAR("torch.optim.lr_scheduler.LRScheduler"), weight=3),
    R("clip_grad_norm", "nn.utils.clip_grad_norm_({ps}, max_norm={s}) || torch.nn.utils.clip_grad_norm_({ps}, {s}, norm_type=1)", ps=LEAVES(), s=C("0.5", "1.0", "10.0"), level=DRIFT, touches_grads=True, expect=E, weight=0.4),

    # ---- legacy and device lines beginners copy
    R("legacy", "torch.autograd.Variable({x}) || torch.autograd.Variable({x}, requires_grad=True) || {x}.to('cpu') || {x}.cpu() || {x}.to(torch.device('cpu'))", x=X(ANY), expect=E, weight=0.4),
    R("out_kw", "torch.add({x}, {y}, out={z}) || torch.mul({x}, {y}, out={z})", x=X(grad=False), y=SAME("x", mix=0, grad=False), z=SAME("x", mix=0, grad=False, reuse=0), outs=0, writes=("z",), expect=E, weight=0.3),
    R("default_dtype", "torch.set_default_dtype(torch.float64) || {out} = torch.get_default_dtype()", outs=0, weight=0.1),

    # ---- programs that must raise (PyTorch's exception type and message)
    R("err_shape", "{x} + {y}", x=X(min_dim=1), y=T(FLOAT, min_dim=1), expect="raises"),
    R("err_matmul", "{x} @ {y} || torch.mm({x}, {y})", x=X(min_dim=1), y=T(FLOAT, min_dim=1), expect="raises"),
    R("err_dim", "{x}.sum(dim={n}) || {x}.softmax({n}) || {x}.unsqueeze({n2}) || {x}.transpose(0, {n})", x=X(ANY), n=C("3", "4", "-5"), n2=C("5", "-6"), expect="raises"),
    R("err_view", "{x}.view({bad}) || {x}.reshape({bad}) || {x}.t().view(-1) || {x}.mT.view(-1) || {x}.expand({bad})", x=X(ANY, min_dim=2), bad=BAD_SHAPE(), expect="raises"),
    R("err_item", "{x}.item()", x=X(ANY, min_dim=1, pred=lambda t: t.numel() > 1), expect="raises", weight=0.4),
    R("err_int_grad", "torch.tensor([1, 2], requires_grad=True) || torch.ones(2, dtype=torch.int64, requires_grad=True) || torch.arange(3).requires_grad_()", expect="raises", weight=0.3),
    R("err_backward", "{x}.backward()", x=X(FLOAT), grad="x", expect="raises", outs=0),
    R("err_bool_sub", "{b} - {x} || {b} - {b} || -{b}", b=X(BOOL), x=X(NUM), expect="raises", weight=0.3),
    R("err_int_inplace", "{x}.add_(0.5) || {x}.mul_({y}) || {x}.div_(2)", x=X(INT), y=BC("x", kinds=F32, to=True), expect="raises", weight=0.4),
    R("err_inplace_broadcast", "{x}.add_({y})", x=X(max_dim=2), y=T(FLOAT, min_dim=3), expect="raises", weight=0.4),
    R("err_index", "{x}{i} || {x}[0] || {x}[0, 0, 0, 0]", x=X(ANY), i=BAD_INDEX(), expect="raises", weight=0.5),
    R("err_cat", "torch.cat([{x}, {y}]) || torch.stack([{x}, {y}])", x=X(min_dim=1), y=T(FLOAT, min_dim=1), expect="raises", weight=0.4),
    R("err_dtype", "torch.mm({x}, {y}.double()) || {x} @ {y}.double()", x=X(F32, min_dim=2, max_dim=2), y=MM("x", kinds=F32), expect="raises", weight=0.4),
    R("err_target", "F.cross_entropy({x}, {t}) || F.nll_loss({x}, {t})", x=X(min_dim=2, max_dim=2), t=TARGET(bad=True, ignore=False), expect="raises", weight=0.4),
    R("err_grad_unused", "torch.autograd.grad({x}, {ins})", x=X(FLOAT, grad=True, pred=numel_one, new=0), ins=LEAVES(n_outs=True), grad="x", expect="raises", weight=1.5),
    R("err_leaf_inplace", "{x}.add_(1) || {x}.zero_() || {x}[0] = 1.0 || {x}.mul_(2)", x=X(FLOAT, leaf=True, grad=True, min_dim=1), expect="raises", outs=0, weight=0.5),
    R("err_gather", "{x}.gather(0, torch.tensor([{n}]))", x=X(min_dim=1, max_dim=1), n=C("7", "-9", "5"), expect="raises", weight=0.2),
    R("err_numpy", "{x}.numpy()", x=X(FLOAT, grad=True), expect="raises", weight=0.2),
]

# Statements that end most programs: differentiate what was built.
FINISH = [
    R("backward_sum", "{x}.sum().backward() || {x}.mean().backward()", x=X(FLOAT, grad=True, leaf=False, new=0), grad="x", expect=E, outs=0, touches_grads=True),
    R("backward", "{x}.backward()", x=X(FLOAT, grad=True, leaf=False, pred=numel_one, new=0), grad="x", expect=E, outs=0, touches_grads=True),
    R("backward_gradient", "{x}.backward({gr})", x=X(FLOAT, grad=True, leaf=False, new=0), gr=GRADIENT(), grad="x", expect=E, outs=0, touches_grads=True),
]

ROWS = {r.name: r for r in OPS}


def row_names():
    return sorted({r.name for r in OPS + FINISH})


__all__ = ["FINISH", "OPS", "ROWS", "R", "Rejected", "Row", "row_names"]
