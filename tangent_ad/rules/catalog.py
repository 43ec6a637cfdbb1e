"""What tangent_ad differentiates, spelled the way users write it, with an example each.

One entry per covered function, operator or method: its spelling, the rule it
uses, and an example the test suite differentiates in both modes (and the
coverage table in the docs shows). The examples are the tests: a rule added
to the table without an example here fails ``tests/test_rule_table.py``.

An example is an expression (or a function body ending in ``return``) over
named inputs, each given a shape (``()`` is a Python float) and a domain:
``real`` (away from 0), ``positive``, ``unit`` (inside (-1, 1)), ``above_one``,
``fraction`` (inside (0, 1)), ``one_to_two``, ``distinct`` (no ties),
``square`` (a well-conditioned matrix) or ``spd`` (symmetric positive definite).
"""
from . import catalog_coverage, elementwise
from .entries import Entry


M = {"x": ((3, 4), "real")}
M3 = {"x": ((2, 3, 4), "real")}
V = {"x": ((5,), "real")}
SQ = {"a": ((3, 3), "square")}
SCALARS = {"a": ((), "real"), "b": ((), "one_to_two")}


def _e(spelling, rule, example, inputs=None, *extra):
    return Entry(spelling, rule, example, inputs if inputs is not None else M, list(extra))


def _elementwise():
    entries = []
    for spelling, rule in elementwise.NUMPY_UNARY:
        domain = elementwise.domains(rule)["x"]
        entry = _e(spelling, rule, f"{spelling}(x)", {"x": ((3, 4), domain)})
        if spelling in ("np.asarray", "np.ascontiguousarray"):
            entry.host_only = f"{spelling} converts to a NumPy array; CuPy arrays refuse that"
        entries.append(entry)
    for spelling, rule in elementwise.NUMPY_BINARY:
        d = elementwise.domains(rule)
        entries.append(_e(spelling, rule, f"{spelling}(a, b)",
                          {"a": ((3, 4), d["a"]), "b": ((3, 4), d["b"])}))
    for spelling, rule in elementwise.MATH:
        d = elementwise.domains(rule)
        params = list(d)
        call = f"{spelling}({', '.join(params)})"
        entries.append(_e(spelling, rule, call, {p: ((), d[p]) for p in params}))
    for spelling, _, rule in elementwise.OPERATORS:
        d = elementwise.domains(rule)
        entries.append(_e(spelling, rule, spelling, {p: ((3, 4), k) for p, k in d.items()}))
    entries.append(_e("np.clip", "clip", "np.clip(x, -1.0, 1.0)", {"x": ((3, 4), "real")},
                      ("np.clip(x, lo, None)", {"x": ((3, 4), "real"), "lo": ((4,), "real")})))
    entries.append(_e("x.clip()", "clip", "x.clip(-1.0, 1.0)"))
    entries.append(_e("np.where", "where", "np.where(x > 0, x, 2 * y)",
                      {"x": ((3, 4), "real"), "y": ((4,), "real")}))
    return entries


def _reductions():
    def axes(spelling, rule, call):
        return _e(spelling, rule, call.format("x"), M3,
                  (call.format("x, axis=1"), M3), (call.format("x, axis=(0, -1), keepdims=True"), M3),
                  (call.format("x, axis=-1"), M3))
    return [
        axes("np.sum", "sum", "np.sum({})"), axes("np.mean", "mean", "np.mean({})"),
        axes("np.prod", "prod", "np.prod({})"),
        _e("np.max", "max", "np.max(x)", {"x": ((2, 3, 4), "distinct")},
           ("np.max(x, axis=1, keepdims=True)", {"x": ((2, 3, 4), "distinct")})),
        _e("np.min", "min", "np.min(x, axis=-1)", {"x": ((2, 3, 4), "distinct")}),
        _e("np.amax", "max", "np.amax(x, axis=0)", {"x": ((3, 4), "distinct")}),
        _e("np.amin", "min", "np.amin(x, axis=(0, 1))", {"x": ((3, 4), "distinct")}),
        _e("np.var", "var", "np.var(x)", M3, ("np.var(x, axis=1, ddof=1, keepdims=True)", M3)),
        _e("np.std", "std", "np.std(x, axis=0)", M3, ("np.std(x, ddof=1)", M3)),
        _e("np.cumsum", "cumsum", "np.cumsum(x, axis=1)", M, ("np.cumsum(x)", M)),
        _e("np.cumprod", "cumprod", "np.cumprod(x, axis=0)", M, ("np.cumprod(x)", V)),
        _e("np.linalg.norm", "norm", "np.linalg.norm(x)", V,
           ("np.linalg.norm(x)", M), ("np.linalg.norm(x, axis=1)", M),
           ("np.linalg.norm(x, 'fro')", M), ("np.linalg.norm(x, ord=1)", V),
           ("np.linalg.norm(x, ord=np.inf)", {"x": ((5,), "distinct")}),
           ("np.linalg.norm(x, -np.inf, axis=0, keepdims=True)", {"x": ((3, 4), "distinct")}),
           ("np.linalg.norm(x, 3.5) + np.linalg.norm(x, 0.5) + np.linalg.norm(x, -1.5)", V),
           ("np.linalg.norm(x, 0) * x", V), ("np.linalg.norm(x, 'nuc')", M),
           ("np.linalg.norm(x, 2) + np.linalg.norm(x, -2)", {"x": ((3, 3), "square")}),
           ("np.linalg.norm(x, 2, axis=(2, 0), keepdims=True)", M3),
           ("np.linalg.norm(x, 1) * np.linalg.norm(x, -1)", {"x": ((3, 4), "distinct")}),
           ("np.linalg.norm(x, np.inf, axis=(1, 2)) + np.linalg.norm(x, -np.inf, axis=(2, 1))",
            {"x": ((2, 3, 4), "distinct")})),
        _e("np.trace", "trace", "np.trace(x)", M, ("np.trace(x, offset=1)", M)),
        _e("x.sum()", "sum", "x.sum()", M, ("x.sum(axis=0, keepdims=True)", M)),
        _e("x.mean()", "mean", "x.mean(axis=1)", M),
        _e("x.prod()", "prod", "x.prod(axis=0)", M),
        _e("x.max()", "max", "x.max(axis=1)", {"x": ((3, 4), "distinct")}),
        _e("x.min()", "min", "x.min()", {"x": ((3, 4), "distinct")}),
        _e("x.var()", "var", "x.var(axis=0)", M),
        _e("x.std()", "std", "x.std()", M),
        _e("x.cumsum()", "cumsum", "x.cumsum(axis=0)", M),
        _e("x.cumprod()", "cumprod", "x.cumprod(axis=1)", M),
        _e("x.trace()", "trace", "x.trace()", M),
        # Python's own: sum(x) adds the rows, max(x) / min(x) of a vector; of two values elementwise
        _e("sum", "builtin_sum", "sum(x)", M, ("sum(x, 2.0 * x[0])", M), ("sum([a, b * a, 2.0])", SCALARS),
           ("sum((a, b))", SCALARS)),
        _e("max", "builtin_max", "max(x)", {"x": ((5,), "distinct")}, ("max(a, b)", SCALARS),
           ("max(a, b * a, 0.5)", SCALARS)),
        _e("min", "builtin_min", "min(x) * x", {"x": ((5,), "distinct")}, ("min(a, b)", SCALARS),
           ("min((a, b))", SCALARS)),
    ]


def _shapes():
    two = {"a": ((3, 4), "real"), "b": ((3, 2), "real")}
    rows = {"a": ((2, 4), "real"), "b": ((3, 4), "real")}
    vectors = {"a": ((3,), "real"), "b": ((3,), "real")}
    return [
        _e("np.reshape", "reshape", "np.reshape(x, (4, 3))", M, ("np.reshape(x, -1)", M)),
        _e("x.reshape()", "reshape", "x.reshape(2, 6)", M, ("x.reshape((6, 2))", M)),
        _e("np.ravel", "ravel", "np.ravel(x)"),
        _e("x.ravel()", "ravel", "x.ravel()"),
        _e("x.flatten()", "ravel", "x.flatten()"),
        _e("np.transpose", "transpose", "np.transpose(x)", M, ("np.transpose(x, (1, 2, 0))", M3)),
        _e("x.transpose()", "transpose", "x.transpose(2, 0, 1)", M3),
        _e("x.T", "T", "x.T"),
        _e("np.swapaxes", "swapaxes", "np.swapaxes(x, 0, 2)", M3),
        _e("x.swapaxes()", "swapaxes", "x.swapaxes(1, 2)", M3),
        _e("np.moveaxis", "moveaxis", "np.moveaxis(x, 0, -1)", M3),
        _e("np.expand_dims", "expand_dims", "np.expand_dims(x, 1)"),
        _e("np.squeeze", "squeeze", "np.squeeze(x)", {"x": ((3, 1, 4), "real")}),
        _e("x.squeeze()", "squeeze", "x.squeeze(axis=1)", {"x": ((3, 1, 4), "real")}),
        _e("np.atleast_2d", "atleast_2d", "np.atleast_2d(x)", V),
        _e("np.broadcast_to", "broadcast_to", "np.broadcast_to(x, (2, 3, 4))", {"x": ((3, 1), "real")}),
        _e("np.concatenate", "concatenate", "np.concatenate([a, b], axis=1)", two,
           ("np.concatenate([a, b])", rows), ("np.concatenate((a, 2.0 * a, b), axis=None)", rows)),
        _e("np.stack", "stack", "np.stack([a, b])", vectors, ("np.stack([a, b, a], axis=1)", vectors)),
        _e("np.hstack", "hstack", "np.hstack([a, b])", two, ("np.hstack((a, b))", vectors)),
        _e("np.vstack", "vstack", "np.vstack([a, b])", rows, ("np.vstack([a, b])", vectors)),
        Entry("np.array", "array", "np.array([a, b])", vectors,
              [("np.array([s, 2.0 * s, t])", {"s": ((), "real"), "t": ((), "real")})],
              host_only="np.array builds a NumPy array; use np.stack for CuPy arrays"),
        _e("np.split", "split", "p, q = np.split(x, 2, axis=1)\nreturn p * q", M,
           ("p, q, r = np.split(x, [1, 3])\nreturn p + 2 * r", V)),
        _e("np.array_split", "array_split", "p, q = np.array_split(x, 2)\nreturn p[:2] * q", V),
        _e("np.tile", "tile", "np.tile(x, (2, 1))", M, ("np.tile(x, 3)", V)),
        _e("np.repeat", "repeat", "np.repeat(x, 2, axis=1)", M, ("np.repeat(x, [1, 2, 3, 1, 2])", V)),
        _e("x.repeat()", "repeat", "x.repeat(3)", V),
        _e("np.flip", "flip", "np.flip(x)", M, ("np.flip(x, axis=1)", M)),
        _e("np.fliplr", "fliplr", "np.fliplr(x)"),
        _e("np.flipud", "flipud", "np.flipud(x)"),
        _e("np.roll", "roll", "np.roll(x, 2)", M, ("np.roll(x, -1, axis=0)", M)),
        _e("np.diag", "diag", "np.diag(x)", V, ("np.diag(x, k=1)", M)),
        _e("np.diagonal", "diagonal", "np.diagonal(x)", M, ("np.diagonal(x, 1, 1, 2)", M3)),
        _e("x.diagonal()", "diagonal", "x.diagonal()", M),
        _e("np.tril", "tril", "np.tril(x)", M, ("np.tril(x, -1)", M)),
        _e("np.triu", "triu", "np.triu(x, 1)", M),
        _e("np.pad", "pad", "np.pad(x, 1)", M, ("np.pad(x, ((1, 0), (0, 2)), constant_values=3.0)", M),
           ("np.pad(x, 2, mode='reflect')", V), ("np.pad(x, 1, mode='edge')", M)),
        _e("np.take", "take", "np.take(x, [0, 2, 2])", V, ("np.take(x, [3, 0], axis=1)", M)),
        _e("x.take()", "take", "x.take([1, 1, 0], axis=0)", M),
        _e("x.astype()", "astype", "x.astype(np.float64) * 2.0", M, ("x * x.astype(int)", M)),
        Entry("x.astype()", "astype", "x.astype(np.float32) * 2.0", M, rtol=1e-3),
        Entry("np.float32", "astype", "np.float32(x) * 2.0", M, rtol=1e-3,
              host_only="np.float32(x) makes a NumPy value; write x.astype(np.float32) for CuPy arrays"),
        _e("np.float64", "astype", "np.float64(x) * x", {"x": ((), "real")}),
        _e("x.copy()", "identity", "x.copy() * x"),
    ]


def _indexing():
    v = {"x": ((6,), "real"), "v": ((2,), "real")}
    return [
        _e("x[i]", "getitem", "x[1]", M, ("x[1, 2] * x[0]", M), ("x[-1]", V)),
        _e("x[a:b]", "getitem", "x[1:3]", M, ("x[::-1, 1:]", M), ("x[..., None, ::2]", M)),
        _e("x[int_array]", "getitem", "x[[0, 2, 2]]", M, ("x[np.array([1, 0]), 1:]", M)),
        _e("x[mask]", "getitem", "x[x > 0]", M),
        _e("x[i] = v", "setitem", "y = x * 1.0\ny[1:3] = v\nreturn y * x", v,
           ("y = np.zeros_like(d, shape=(3, 3))\nfor i in range(3):\n    y[i, i] = d[i] ** 2\nreturn y",
            {"d": ((3,), "real")})),
        _e("x[i] += v", "setitem_add", "y = x * x\ny[2:4] += v\nreturn y", v,
           ("S = np.zeros_like(d, shape=(3, 3))\nfor i in range(3):\n    S[i, i] += d[i]\nreturn S * S",
            {"d": ((3,), "real")})),
    ]


def _linalg():
    mats = {"a": ((3, 4), "real"), "b": ((4, 2), "real")}
    return [
        _e("a @ b", "matmul", "a @ b", mats, ("a @ b", {"a": ((4,), "real"), "b": ((4, 2), "real")})),
        _e("np.matmul", "matmul", "np.matmul(a, b)", mats),
        _e("np.dot", "dot", "np.dot(a, b)", mats,
           ("np.dot(a, b)", {"a": ((4,), "real"), "b": ((4,), "real")}),
           ("np.dot(a, b)", {"a": ((), "real"), "b": ((4,), "real")})),
        _e("x.dot()", "dot", "a.dot(b)", mats),
        _e("np.inner", "inner", "np.inner(a, b)", {"a": ((2, 3), "real"), "b": ((4, 3), "real")}),
        _e("np.outer", "outer", "np.outer(a, b)", {"a": ((3,), "real"), "b": ((2, 2), "real")}),
        _e("np.vdot", "vdot", "np.vdot(a, b)", {"a": ((2, 3), "real"), "b": ((2, 3), "real")}),
        _e("np.tensordot", "tensordot", "np.tensordot(a, b, axes=1)", mats,
           ("np.tensordot(a, b, axes=([0, 2], [1, 0]))",
            {"a": ((3, 2, 4), "real"), "b": ((4, 3), "real")})),
        _e("np.einsum", "einsum", "np.einsum('ij,jk->ik', a, b)", mats,
           ("np.einsum('ii', a)", {"a": ((3, 3), "real")}),
           ("np.einsum('ij,ij->i', a, b)", {"a": ((3, 4), "real"), "b": ((3, 4), "real")})),
        _e("np.linalg.inv", "inv", "np.linalg.inv(a)", SQ),
        _e("np.linalg.solve", "solve", "np.linalg.solve(a, b)", {"a": ((3, 3), "square"), "b": ((3,), "real")},
           ("np.linalg.solve(a, b)", {"a": ((3, 3), "square"), "b": ((3, 2), "real")})),
        _e("np.linalg.det", "det", "np.linalg.det(a)", SQ),
        _e("np.linalg.slogdet", "slogdet", "sign, logdet = np.linalg.slogdet(a)\nreturn logdet", SQ),
        _e("np.linalg.cholesky", "cholesky", "np.linalg.cholesky(a)", {"a": ((3, 3), "spd")}),
    ]


def sections():
    """``[(title, entries)]``: the covered spellings by family, as the docs show them."""
    return [("Elementwise functions and operators", _elementwise()), ("Reductions", _reductions()),
            ("Shapes and assembly", _shapes()), ("Indexing", _indexing()),
            ("Products and linear algebra", _linalg())] + catalog_coverage.sections()


def entries():
    """Every covered spelling, in the order the listing and the docs show them."""
    return [entry for _, family in sections() for entry in family]


# calls whose result carries no derivative: listed so users know they are safe to use
CONSTANTS = [
    "np.sign", "np.floor", "np.ceil", "np.round", "np.around", "np.rint", "np.trunc", "np.fix",
    "np.zeros_like", "np.ones_like", "np.full_like", "np.empty_like", "np.zeros", "np.ones",
    "np.full", "np.empty", "np.arange", "np.linspace", "np.eye", "np.identity", "np.shape",
    "np.ndim", "np.size", "np.argmax", "np.argmin", "np.argsort", "np.nonzero", "np.isnan",
    "np.isinf", "np.isfinite", "np.greater", "np.less", "np.equal", "np.not_equal",
    "np.greater_equal", "np.less_equal", "np.logical_and", "np.logical_or", "np.logical_not",
    "np.all", "np.any", "np.count_nonzero", "np.floor_divide", "np.heaviside",
    "len", "int", "bool", "round", "range", "math.floor", "math.ceil", "math.isnan",
    "x.shape", "x.ndim", "x.size", "x.dtype", "x.argmax()", "x.argmin()", "x.argsort()",
    "x.nonzero()", "x.all()", "x.any()",
]
