"""Rules for the runtime's own functions, so generated derivatives can be differentiated again.

A derivative's source calls runtime functions such as ``sum_adjoint(g, x)``.
Differentiating that source in forward mode (a Hessian-vector product is forward
mode over reverse mode) needs their tangents. Almost all of them are linear in
the adjoint they take and read their other arrays for shapes only, so the
tangent is the same call on the adjoint's tangent. A few are bilinear (a matrix
product's adjoint is linear in ``g`` and in the other factor), and the few that
are neither have no rule yet: differentiating through them raises an error
naming them, never a wrong derivative.
"""
import inspect

from .. import runtime
from .kinds import REQUIRED, SEQUENCE, Constant, Linear, Template

# linear in their first argument; the other arrays they read only for shapes and dtypes
LINEAR_IN_FIRST = [
    "scalar_seed", "unbroadcast", "broadcast_like", "gradient_like", "sum_adjoint",
    "mean_adjoint", "cumsum_adjoint", "index_adjoint", "setitem_adjoint",
    "setitem_value_adjoint", "reshape_adjoint", "transpose_adjoint", "swapaxes_adjoint",
    "moveaxis_adjoint", "concatenate_adjoint", "stack_adjoint", "hstack_adjoint",
    "vstack_adjoint", "split_adjoint", "tile_adjoint", "repeat_adjoint", "flip_adjoint",
    "roll_adjoint", "diag_adjoint", "diagonal_adjoint", "trace_adjoint", "tril_adjoint",
    "triu_adjoint", "pad_tangent", "pad_adjoint", "cast_tangent", "cast_adjoint",
    "take_adjoint", "nansum_adjoint", "nanmean_adjoint", "nan_extremum_adjoint", "ptp_adjoint",
    "dstack_adjoint", "cumulative_sum_adjoint",
]

# linear in each of two arguments (the tangent is the sum of one term per argument);
# the arguments not listed are read for shapes only
BILINEAR = {
    "matmul_adjoint_left": ("g", "b"), "matmul_adjoint_right": ("g", "a"),
    "dot_adjoint_left": ("g", "b"), "dot_adjoint_right": ("g", "a"),
    "inner_adjoint_left": ("g", "b"), "inner_adjoint_right": ("g", "a"),
    "outer_adjoint_left": ("g", "b"), "outer_adjoint_right": ("g", "a"),
    "tensordot_adjoint_left": ("g", "b"), "tensordot_adjoint_right": ("g", "a"),
    "vdot_adjoint": ("g", "other"),
    "var_adjoint": ("g", "a"),           # g * 2 (a - mean(a)) / (n - ddof)
    "var_tangent": ("a", "t"),           # 2 sum((a - mean(a)) t) / (n - ddof)
    "index_update": ("t", "v"),          # a copy of t with v stored at index: linear in both
    "convolve_adjoint_a": ("g", "v"), "convolve_adjoint_v": ("g", "a"),
    "correlate_adjoint_a": ("g", "v"), "correlate_adjoint_v": ("g", "a"),
    "vecdot_tangent": ("a", "b"), "vecdot_adjoint": ("g", "other"),
    # linear in the tangent; the array is read for where its NaN or extremes are (piecewise constant)
    "nansum_tangent": ("t",), "nanmean_tangent": ("t",), "nan_extremum_tangent": ("t",), "ptp_tangent": ("t",),
}

# piecewise constant: their derivative is zero wherever it exists
CONSTANT = ["zeros_like", "extremum_weights", "clip_mask", "size_of"]

# no rule yet: differentiating through them is an error that names the operation
UNSUPPORTED = {
    "sinc_derivative": "np.sinc", "prod_partials": "np.prod", "cumprod_tangent": "np.cumprod",
    "cumprod_adjoint": "np.cumprod", "einsum_adjoint": "np.einsum", "inv_adjoint": "np.linalg.inv",
    "solve_adjoint_a": "np.linalg.solve", "solve_adjoint_b": "np.linalg.solve",
    "det_tangent": "np.linalg.det", "det_adjoint": "np.linalg.det",
    "logdet_tangent": "np.linalg.slogdet", "logdet_adjoint": "np.linalg.slogdet",
    "cholesky_tangent": "np.linalg.cholesky", "cholesky_adjoint": "np.linalg.cholesky",
    "norm_tangent": "np.linalg.norm", "norm_adjoint": "np.linalg.norm",
}
# the helpers of rules/coverage.py: {NumPy operation: its runtime helpers}
_COVERAGE = {
    "np.sort": ["sort_tangent", "sort_adjoint"], "np.partition": ["partition_tangent", "partition_adjoint"],
    "np.median": ["median_tangent", "median_adjoint"], "np.take_along_axis": ["take_along_axis_adjoint"],
    "np.diff": ["diff_tangent", "diff_adjoint"], "np.append": ["append_tangent", "append_adjoint"],
    "np.column_stack": ["column_stack_adjoint"], "np.rot90": ["rot90_adjoint"],
    "np.rollaxis": ["rollaxis_adjoint"], "np.select": ["select_tangent", "select_adjoint", "select_default_tangent"],
    "np.cross": ["cross_adjoint_left", "cross_adjoint_right"], "np.kron": ["kron_adjoint_left", "kron_adjoint_right"],
    "np.average": ["average_tangent", "average_adjoint", "average_weights_tangent", "average_weights_adjoint"],
    "np.interp": ["interp_derivative", "interp_fp_tangent", "interp_fp_adjoint"],
    "np.trapezoid": ["trapezoid_tangent", "trapezoid_adjoint", "trapezoid_x_tangent", "trapezoid_x_adjoint"],
    "np.linalg.eigh": ["eigh_tangent", "eigh_adjoint"], "np.linalg.eigvalsh": ["eigvalsh_tangent", "eigvalsh_adjoint"],
    "np.linalg.svd": ["svd_tangent", "svd_adjoint"], "np.linalg.svdvals": ["svdvals_tangent", "svdvals_adjoint"],
    "np.linalg.qr": ["qr_tangent", "qr_adjoint"], "np.linalg.pinv": ["pinv_tangent", "pinv_adjoint"],
    "scipy.special.gammaln": ["digamma_of"], "scipy.special.digamma": ["trigamma"],
    "scipy.special.xlogy": ["xlogy_y_partial"], "scipy.special.logsumexp": ["logsumexp_tangent", "logsumexp_adjoint"],
    "scipy.special.softmax": ["softmax_tangent", "softmax_adjoint"],
    "scipy.special.log_softmax": ["log_softmax_tangent", "log_softmax_adjoint"],
    "scipy.special.xlog1py": ["xlog1py_y_partial"], "scipy.special.i0": ["bessel_i1"],
    "scipy.special.i1": ["bessel_i1_derivative"], "scipy.special.i0e": ["bessel_i1e"],
    "scipy.special.i1e": ["bessel_i1e_derivative"],
    "np.linalg.vector_norm": ["vector_norm_tangent", "vector_norm_adjoint"],
    "np.polyval": ["polyval_partial", "polyval_tangent_p", "polyval_adjoint_p"],
    "np.linalg.multi_dot": ["multi_dot_adjoint"],
    "np.linalg.matrix_power": ["matrix_power_tangent", "matrix_power_adjoint"],
}
UNSUPPORTED.update({helper: operation for operation, helpers in _COVERAGE.items() for helper in helpers})

RENAMED = {"var_tangent": {"a_dot": "t"}, "index_update": {"v_t": "v"}}


def _signature(name):
    """(name, default source) pairs; list parameters (split's gs) take a list written out."""
    renamed = RENAMED.get(name, {})
    params = []
    for p in inspect.signature(getattr(runtime, name)).parameters.values():
        default = REQUIRED if p.default is p.empty else repr(p.default)
        if name == "split_adjoint" and p.name == "gs":
            default = SEQUENCE
        params.append((renamed.get(p.name, p.name), default))
    return tuple(params)


def _call(name, signature, operand):
    """``name(g, x, axis)`` with ``operand`` replaced by its tangent placeholder."""
    return f"{name}({', '.join(p + '_dot' if p == operand else p for p, _ in signature)})"


def build():
    """{runtime function: rule}, and {runtime function: the NumPy operation it belongs to}."""
    rules, unsupported = {}, {}
    for name in LINEAR_IN_FIRST:
        signature = _signature(name)
        rule = Linear(name, signature, None)
        rule.shape_only = frozenset(p for p, _ in signature[1:])
        rule.modes = ("forward",)
        rules[getattr(runtime, name)] = rule
    seed = _signature("seed_adjoint")
    rule = Linear("seed_adjoint", seed, None, operand="y_bar")
    rule.shape_only, rule.modes = frozenset(["y"]), ("forward",)
    rules[runtime.seed_adjoint] = rule
    for name, operands in BILINEAR.items():
        signature = _signature(name)
        rule = Template(name, signature, {p: _call(name, signature, p) for p in operands}, {})
        rule.shape_only = frozenset(p for p, _ in signature if p not in operands)
        rules[getattr(runtime, name)] = rule
    for name in CONSTANT:
        rules[getattr(runtime, name)] = Constant(name)
    for name, operation in UNSUPPORTED.items():
        unsupported[getattr(runtime, name)] = operation
    return rules, unsupported
