"""Catalog entries of ``rules/coverage.py``: sorting and sampled data, reductions that skip
NaN, signals and polynomials, arranging arrays, and matrix decompositions, each with the
examples the tests differentiate.

Examples whose singular vectors or eigenvectors are returned read them through a
sign-blind value (``np.abs(u)``, ``v ** 2``, ``q * r``): their sign is a choice of
LAPACK's, which a derivative cannot follow across calls.
"""
from .entries import Entry

M = {"x": ((3, 4), "real")}
M3 = {"x": ((2, 3, 4), "real")}
V = {"x": ((5,), "real")}
KNOTS = "(np.cumsum(np.ones_like(f)) - 3.0) * 0.6"     # -1.2, -0.6, 0, 0.6, 1.2, inactive


def _e(spelling, rule, example, inputs=None, *extra):
    return Entry(spelling, rule, example, inputs if inputs is not None else M, list(extra))


def _two(sa, sb, da="real", db="real"):
    return {"a": (sa, da), "b": (sb, db)}


def _ordered():
    xf = {"x": ((3, 4), "real"), "f": ((5,), "real")}
    return [
        _e("np.sort", "sort", "np.sort(x)", M, ("np.sort(x, axis=0)", M), ("np.sort(x, axis=None)", M)),
        _e("np.partition", "partition", "np.partition(x, 2)", V, ("np.partition(x, 1, axis=0)", M)),
        _e("np.median", "median", "np.median(x)", M, ("np.median(x, axis=1)", M),
           ("np.median(x, axis=0, keepdims=True)", M), ("np.median(x, axis=(0, 2))", M3)),
        _e("np.take_along_axis", "take_along_axis", "np.take_along_axis(x, np.argsort(x, axis=1), axis=1)", M,
           ("np.take_along_axis(x, np.argsort(x, axis=1)[:, :2] * 0, axis=1)", M)),
        _e("np.diff", "diff", "np.diff(x)", M, ("np.diff(x, n=2, axis=0)", M),
           ("np.diff(x, prepend=0.0, append=1.0)", V)),
        _e("np.interp", "interp", f"np.interp(x, {KNOTS}, f)", xf,
           (f"np.interp(x, {KNOTS}, f, left=0.5, right=-1.0)", xf)),
        _e("np.trapezoid", "trapezoid", "np.trapezoid(y)", {"y": ((3, 4), "real")},
           ("np.trapezoid(y, dx=0.5, axis=0)", {"y": ((3, 4), "real")}),
           ("np.trapezoid(y, t)", {"y": ((3, 4), "real"), "t": ((4,), "real")}),
           ("np.trapezoid(y, t, axis=0)", {"y": ((3, 4), "real"), "t": ((3, 4), "real")})),
        _e("np.average", "average", "np.average(x, axis=1, weights=w)", {"x": ((3, 4), "real"), "w": ((4,), "positive")},
           ("np.average(x)", M), ("np.average(x, weights=w)", {"x": ((3, 4), "real"), "w": ((3, 4), "positive")}),
           ("np.average(x, axis=0, weights=w, keepdims=True)", {"x": ((3, 4), "real"), "w": ((3,), "positive")})),
        _e("np.nan_to_num", "nan_to_num", "np.nan_to_num(x) * x", M,
           ("np.nan_to_num(np.log(x), nan=0.0)", {"x": ((3, 4), "positive")})),
    ]


def _reduced_and_signals():
    holes = "np.where(x > 1.2, np.nan, x)"       # NaN entries, which carry no derivative
    signal = _two((5,), (3,))
    return [
        _e("np.nansum", "nansum", f"np.nansum({holes})", M, (f"np.nansum({holes}, axis=1)", M3),
           ("np.nansum(x, axis=0, keepdims=True)", M)),
        _e("np.nanmean", "nanmean", f"np.nanmean({holes})", M, (f"np.nanmean({holes}, axis=(0, 2))", M3),
           (f"np.nanmean({holes}, axis=-1, keepdims=True)", M)),
        _e("np.nanmax", "nanmax", f"np.nanmax({holes.replace('> 1.2', '< -1.2')}, axis=1)", {"x": ((3, 4), "distinct")},
           ("np.nanmax(x)", {"x": ((3, 4), "distinct")})),
        _e("np.nanmin", "nanmin", f"np.nanmin({holes}, axis=0, keepdims=True)", {"x": ((3, 4), "distinct")}),
        _e("np.ptp", "ptp", "np.ptp(x)", {"x": ((3, 4), "distinct")},
           ("np.ptp(x, axis=1, keepdims=True)", {"x": ((2, 3, 4), "distinct")})),
        _e("np.convolve", "convolve", "np.convolve(a, b)", signal, ("np.convolve(a, b, mode='same')", signal),
           ("np.convolve(a, b, 'valid')", _two((3,), (5,))), ("np.convolve(a, b, mode='same')", _two((2,), (4,)))),
        _e("np.correlate", "correlate", "np.correlate(a, b)", signal, ("np.correlate(a, b, mode='full')", signal),
           ("np.correlate(a, b, 'same')", _two((3,), (4,)))),
        _e("np.polyval", "polyval", "np.polyval(p, x)", {"p": ((4,), "real"), "x": ((3, 4), "real")},
           ("np.polyval([1.0, -2.0, 0.5], x)", M), ("np.polyval(p, 1.5)", {"p": ((3,), "real")}),
           ("np.polyval(p, s)", {"p": ((3,), "real"), "s": ((), "real")})),
    ]


def _arranged():
    return [
        _e("np.atleast_1d", "atleast_1d", "np.atleast_1d(x)", V, ("np.atleast_1d(s) * 2.0", {"s": ((), "real")})),
        _e("np.atleast_3d", "atleast_3d", "np.atleast_3d(x)", M, ("np.atleast_3d(x)", V)),
        _e("np.column_stack", "column_stack", "np.column_stack([a, b])", _two((3,), (3, 2)),
           ("np.column_stack((a, a * 2.0))", {"a": ((3,), "real")})),
        _e("np.append", "append", "np.append(a, b)", _two((3, 4), (2,)),
           ("np.append(a, b, axis=0)", _two((2, 4), (3, 4))), ("np.append(a, 2.0)", {"a": ((3,), "real")})),
        _e("np.select", "select", "np.select([x > 0.5, x < -0.5], [x * 2.0, y], default=z)",
           {"x": ((3, 4), "real"), "y": ((3, 4), "real"), "z": ((4,), "real")},
           ("np.select([x > 0], [x ** 2])", M)),
        _e("np.rot90", "rot90", "np.rot90(x)", M, ("np.rot90(x, 2, axes=(1, 2))", M3), ("np.rot90(x, -1)", M)),
        _e("np.rollaxis", "rollaxis", "np.rollaxis(x, 2)", M3, ("np.rollaxis(x, 0, 3)", M3),
           ("np.rollaxis(x, 1, -1)", M3)),
        _e("np.cross", "cross", "np.cross(a, b)", _two((4, 3), (3,)),
           ("np.cross(a, b, axisa=0, axisb=0)", _two((3, 4), (3, 4))), ("np.cross(a, b, axis=0)", _two((3, 1), (3, 2)))),
        _e("np.dstack", "dstack", "np.dstack([a, b])", _two((3, 2), (3, 2, 2)),
           ("np.dstack((a, b * a))", _two((4,), (4,))), ("np.dstack([a, 2.0 * a])", {"a": ((2, 3, 2), "real")})),
        _e("np.kron", "kron", "np.kron(a, b)", _two((2, 3), (3, 2)), ("np.kron(a, b)", _two((3,), (2,))),
           ("np.kron(a, b)", _two((2,), (2, 3)))),
    ]


def _decompositions():
    tall, square, wide = {"a": ((4, 3), "real")}, {"a": ((3, 3), "square")}, {"a": ((3, 4), "real")}
    spd = {"a": ((3, 3), "spd")}
    return [
        _e("np.linalg.eigh", "eigh", "w, v = np.linalg.eigh(a)\nreturn np.abs(v) * w", spd,
           ("w, v = np.linalg.eigh(a, UPLO='U')\nreturn w ** 2 + v[0] ** 2", spd)),
        _e("np.linalg.eigvalsh", "eigvalsh", "np.linalg.eigvalsh(a)", spd, ("np.linalg.eigvalsh(a, 'U')", spd)),
        _e("np.linalg.svd", "svd", "u, s, vt = np.linalg.svd(a, full_matrices=False)\nreturn np.abs(u) * s[0] + s ** 2",
           tall, ("u, s, vt = np.linalg.svd(a)\nreturn np.abs(vt) * s[:, None] + u ** 2", square),
           ("u, s, vt = np.linalg.svd(a, full_matrices=False)\nreturn vt ** 2 * s[:, None]", wide)),
        _e("np.linalg.svdvals", "svdvals", "np.linalg.svdvals(x)", M, ("np.linalg.svdvals(x)", {"x": ((4, 3), "real")})),
        _e("np.linalg.qr", "qr", "q, r = np.linalg.qr(a)\nreturn q[:3] * r", tall,
           ("q, r = np.linalg.qr(a)\nreturn q * r", square)),
        _e("np.linalg.multi_dot", "multi_dot", "np.linalg.multi_dot([a, b, c])",
           {"a": ((2, 3), "real"), "b": ((3, 4), "real"), "c": ((4, 2), "real")},
           ("np.linalg.multi_dot([v, b, c, w])",
            {"v": ((3,), "real"), "b": ((3, 4), "real"), "c": ((4, 2), "real"), "w": ((2,), "real")}),
           ("np.linalg.multi_dot((a, a.T))", {"a": ((2, 3), "real")})),
        _e("np.linalg.matrix_power", "matrix_power", "np.linalg.matrix_power(a, 3)", square,
           ("np.linalg.matrix_power(a, -2)", square), ("np.linalg.matrix_power(a, 1) * np.linalg.matrix_power(a, 0)", square),
           ("np.linalg.matrix_power(a, 2)", {"a": ((2, 3, 3), "real")})),
        _e("np.linalg.pinv", "pinv", "np.linalg.pinv(x)", M, ("np.linalg.pinv(x)", {"x": ((4, 3), "real")})),
    ]


def _array_api():
    """The array API's spellings (NumPy 2): their own rules where the axes differ, else NumPy's."""
    stack = {"x": ((2, 3, 3), "real")}
    vectors = _two((2, 3), (3,))
    return [
        _e("np.linalg.vector_norm", "vector_norm", "np.linalg.vector_norm(x)", M,
           ("np.linalg.vector_norm(x, axis=(0, 2), keepdims=True, ord=3)", M3),
           ("np.linalg.vector_norm(x, axis=-1, ord=1)", M), ("np.linalg.vector_norm(x, ord=np.inf)", {"x": ((3, 4), "distinct")})),
        _e("np.linalg.matrix_norm", "matrix_norm", "np.linalg.matrix_norm(x)", M3,
           ("np.linalg.matrix_norm(x, ord='nuc', keepdims=True)", M3), ("np.linalg.matrix_norm(x, ord=2)", M)),
        _e("np.vecdot", "vecdot", "np.vecdot(a, b)", vectors, ("np.vecdot(a, b, axis=0)", _two((3, 2), (3, 1)))),
        _e("np.linalg.vecdot", "vecdot", "np.linalg.vecdot(a, b)", vectors),
        _e("np.linalg.matmul", "matmul", "np.linalg.matmul(a, b)", _two((3, 4), (4, 2))),
        _e("np.linalg.outer", "outer", "np.linalg.outer(a, b)", _two((3,), (2,))),
        _e("np.linalg.tensordot", "tensordot", "np.linalg.tensordot(a, b, axes=1)", _two((3, 4), (4, 2))),
        _e("np.linalg.cross", "cross", "np.linalg.cross(a, b)", _two((4, 3), (3,)),
           ("np.linalg.cross(a, b, axis=0)", _two((3, 2), (3, 2)))),
        _e("np.linalg.trace", "linalg_trace", "np.linalg.trace(x)", stack, ("np.linalg.trace(x, offset=1)", M)),
        _e("np.linalg.diagonal", "linalg_diagonal", "np.linalg.diagonal(x)", stack,
           ("np.linalg.diagonal(x, offset=-1)", M)),
        _e("np.matrix_transpose", "matrix_transpose", "np.matrix_transpose(x)", M3),
        _e("np.linalg.matrix_transpose", "matrix_transpose", "np.linalg.matrix_transpose(x) * 2.0", M),
        _e("np.cumulative_sum", "cumulative_sum", "np.cumulative_sum(x, axis=1)", M,
           ("np.cumulative_sum(x, include_initial=True)", V), ("np.cumulative_sum(x, axis=0, include_initial=True)", M)),
        _e("np.permute_dims", "transpose", "np.permute_dims(x, (2, 0, 1))", M3),
        _e("np.concat", "concatenate", "np.concat([a, b], axis=1)", _two((3, 4), (3, 2)), ("np.concat((a, a))", {"a": ((2,), "real")})),
    ]


def sections():
    return [("Sorting, order statistics and sampled data", _ordered()),
            ("Reductions that skip NaN, signals and polynomials", _reduced_and_signals()),
            ("Arranging and combining arrays", _arranged()), ("Matrix decompositions", _decompositions()),
            ("The array API's names (NumPy 2)", _array_api())]


# spellings that only some NumPy versions have, and the rule each uses
ALIASES = {"np.trapz": "trapezoid"}
