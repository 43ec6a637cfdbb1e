"""Rules for the NumPy functions users reach for beyond the basics: sorting and order
statistics, reductions that skip NaN, differences, signals and sampled data, arranging
arrays, matrix chains and powers, and matrix decompositions.

Each rule's templates call a runtime helper (``runtime/sorting.py``, ``arranging.py``,
``sampling.py``, ``signals.py``, ``nan_reductions.py``, ``decompositions.py``) that documents where the derivative does not
exist and what is used there (ties share evenly, as for ``np.max``).
"""
from .kinds import REQUIRED, SEQUENCE, Elementwise, Linear, MultiOutput, Template

A = ("a", REQUIRED)
AB = (("a", REQUIRED), ("b", REQUIRED))

LINEAR = {
    "atleast_1d": ((A,), "reshape_adjoint(g, a)"),
    "atleast_3d": ((A,), "reshape_adjoint(g, a)"),
    "take_along_axis": ((("arr", REQUIRED), ("indices", REQUIRED), ("axis", "-1")),
                        "take_along_axis_adjoint(g, arr, indices, axis=axis)"),
    "rot90": ((("m", REQUIRED), ("k", "1"), ("axes", "(0, 1)")), "rot90_adjoint(g, k=k, axes=axes)"),
    "rollaxis": ((A, ("axis", REQUIRED), ("start", "0")), "rollaxis_adjoint(g, axis, start=start)"),
    "column_stack": ((("tup", SEQUENCE),), "column_stack_adjoint(g, tup, k)"),
}

CROSS_AXES = "axisa=axisa, axisb=axisb, axisc=axisc, axis=axis"
MEDIAN = "axis=axis, keepdims=keepdims, overwrite_input=overwrite_input"
AVERAGE = "axis=axis, weights=weights, returned=returned, keepdims=keepdims"
INTERP = "left=left, right=right, period=period"

TEMPLATES = {
    "sort": ((A, ("axis", "-1"), ("kind", "None"), ("order", "None")),
             {"a": "sort_tangent(a, a_dot, axis=axis)"}, {"a": "sort_adjoint(g, a, axis=axis)"}),
    "partition": ((A, ("kth", REQUIRED), ("axis", "-1"), ("kind", "'introselect'"), ("order", "None")),
                  {"a": "partition_tangent(a, a_dot, y, axis=axis)"},
                  {"a": "partition_adjoint(g, a, y, axis=axis)"}),
    "median": ((A, ("axis", "None"), ("out", "None"), ("overwrite_input", "False"), ("keepdims", "False")),
               {"a": f"median_tangent(a, a_dot, {MEDIAN})"}, {"a": f"median_adjoint(g, a, {MEDIAN})"}),
    "diff": ((A, ("n", "1"), ("axis", "-1"), ("prepend", "None"), ("append", "None")),
             {"a": "diff_tangent(a_dot, a, n=n, axis=axis, prepend=prepend, append=append)"},
             {"a": "diff_adjoint(g, a, n=n, axis=axis, prepend=prepend, append=append)"}),
    "cross": (AB + (("axisa", "-1"), ("axisb", "-1"), ("axisc", "-1"), ("axis", "None")),
              {"a": f"np.cross(a_dot, b, {CROSS_AXES})", "b": f"np.cross(a, b_dot, {CROSS_AXES})"},
              {"a": f"cross_adjoint_left(g, a, b, {CROSS_AXES})",
               "b": f"cross_adjoint_right(g, a, b, {CROSS_AXES})"}),
    "kron": (AB, {"a": "np.kron(a_dot, b)", "b": "np.kron(a, b_dot)"},
             {"a": "kron_adjoint_left(g, a, b)", "b": "kron_adjoint_right(g, a, b)"}),
    "append": ((("arr", REQUIRED), ("values", REQUIRED), ("axis", "None")),
               {"arr": "append_tangent(arr_dot, arr, values, axis=axis)",
                "values": "append_tangent(values_dot, arr, values, axis=axis, position=1)"},
               {"arr": "append_adjoint(g, arr, values, axis=axis)",
                "values": "append_adjoint(g, arr, values, axis=axis, position=1)"}),
    # choicelist is a list written out; dotted is that list with one choice replaced by its tangent
    "select": ((("condlist", REQUIRED), ("choicelist", SEQUENCE), ("default", "0")),
               {"choicelist": "select_tangent(condlist, choicelist, dotted)",
                "default": "select_default_tangent(condlist, choicelist, default_dot)"},
               {"choicelist": "select_adjoint(g, condlist, choicelist, k)",
                "default": "select_adjoint(g, condlist, choicelist, len(choicelist), default)"}),
    "average": ((A, ("axis", "None"), ("weights", "None"), ("returned", "False"), ("keepdims", "False")),
                {"a": f"average_tangent(a, a_dot, {AVERAGE})",
                 "weights": "average_weights_tangent(a, weights, weights_dot, y, axis=axis, "
                            "keepdims=keepdims, returned=returned)"},
                {"a": f"average_adjoint(g, a, {AVERAGE})",
                 "weights": "average_weights_adjoint(g, a, weights, y, axis=axis, keepdims=keepdims, "
                            "returned=returned)"}),
    "interp": ((("x", REQUIRED), ("xp", REQUIRED), ("fp", REQUIRED), ("left", "None"), ("right", "None"),
                ("period", "None")),
               {"x": f"interp_derivative(x, xp, fp, {INTERP}) * x_dot",
                "fp": f"interp_fp_tangent(x, xp, fp, fp_dot, {INTERP})"},
               {"x": f"unbroadcast(g * interp_derivative(x, xp, fp, {INTERP}), x)",
                "fp": f"interp_fp_adjoint(g, x, xp, fp, {INTERP})"}),
    "trapezoid": ((("y", REQUIRED), ("x", "None"), ("dx", "1.0"), ("axis", "-1")),
                  {"y": "trapezoid_tangent(y, y_dot, x=x, dx=dx, axis=axis)",
                   "x": "trapezoid_x_tangent(y, x, x_dot, axis=axis)"},
                  {"y": "trapezoid_adjoint(g, y, x=x, dx=dx, axis=axis)",
                   "x": "trapezoid_x_adjoint(g, y, x, axis=axis)"}),
    "eigvalsh": ((A, ("UPLO", "'L'")), {"a": "eigvalsh_tangent(a, a_dot, UPLO=UPLO)"},
                 {"a": "eigvalsh_adjoint(g, a, UPLO=UPLO)"}),
    "svdvals": ((("x", REQUIRED),), {"x": "svdvals_tangent(x, x_dot)"}, {"x": "svdvals_adjoint(g, x)"}),
    "pinv": ((A, ("rcond", "None"), ("hermitian", "False")),
             {"a": "pinv_tangent(a, a_dot, y, rcond=rcond, hermitian=hermitian)"},
             {"a": "pinv_adjoint(g, a, y, rcond=rcond, hermitian=hermitian)"}),
}

# the reductions that skip NaN, the range, signals and polynomials, chains and powers of matrices
NAN_REDUCE = (A, ("axis", "None"), ("dtype", "None"), ("out", "None"), ("keepdims", "False"))
EXTREMUM = (A, ("axis", "None"), ("out", "None"), ("keepdims", "False"))
KEPT = "axis=axis, keepdims=keepdims"
SIGNAL = (("a", REQUIRED), ("v", REQUIRED))
TEMPLATES.update({
    "nansum": (NAN_REDUCE, {"a": f"nansum_tangent(a, a_dot, {KEPT})"}, {"a": f"nansum_adjoint(g, a, {KEPT})"}),
    "nanmean": (NAN_REDUCE, {"a": f"nanmean_tangent(a, a_dot, {KEPT})"}, {"a": f"nanmean_adjoint(g, a, {KEPT})"}),
    "nanmax": (EXTREMUM, {"a": f"nan_extremum_tangent(a, a_dot, y, {KEPT})"},
               {"a": f"nan_extremum_adjoint(g, a, y, {KEPT})"}),
    "ptp": (EXTREMUM, {"a": f"ptp_tangent(a, a_dot, {KEPT})"}, {"a": f"ptp_adjoint(g, a, {KEPT})"}),
    "convolve": (SIGNAL + (("mode", "'full'"),),
                 {"a": "np.convolve(a_dot, v, mode=mode)", "v": "np.convolve(a, v_dot, mode=mode)"},
                 {"a": "convolve_adjoint_a(g, a, v, mode=mode)", "v": "convolve_adjoint_v(g, a, v, mode=mode)"}),
    "correlate": (SIGNAL + (("mode", "'valid'"),),
                  {"a": "np.correlate(a_dot, v, mode=mode)", "v": "np.correlate(a, v_dot, mode=mode)"},
                  {"a": "correlate_adjoint_a(g, a, v, mode=mode)", "v": "correlate_adjoint_v(g, a, v, mode=mode)"}),
    "polyval": ((("p", REQUIRED), ("x", REQUIRED)),
                {"p": "polyval_tangent_p(p_dot, x)", "x": "polyval_partial(p, x) * x_dot"},
                {"p": "polyval_adjoint_p(g, p, x)", "x": "unbroadcast(g * polyval_partial(p, x), x)"}),
    # arrays is the list written out; dotted is that list with one array replaced by its tangent
    "multi_dot": ((("arrays", SEQUENCE), ("out", "None")), {"arrays": "np.linalg.multi_dot(dotted)"},
                  {"arrays": "multi_dot_adjoint(g, arrays, k)"}),
    "matrix_power": ((A, ("n", REQUIRED)), {"a": "matrix_power_tangent(a, a_dot, n)"},
                     {"a": "matrix_power_adjoint(g, a, n)"}),
})
TEMPLATES["nanmin"] = TEMPLATES["nanmax"]
LINEAR["dstack"] = ((("tup", SEQUENCE),), "dstack_adjoint(g, tup, k)")

# the array API's spellings (NumPy 2) with an operand order or axes of their own
LAST_TWO = "axis1=-2, axis2=-1"
LINEAR.update({
    "linalg_trace": ((("x", REQUIRED), ("offset", "0"), ("dtype", "None")),
                     f"trace_adjoint(g, x, offset=offset, {LAST_TWO})"),
    "linalg_diagonal": ((("x", REQUIRED), ("offset", "0")), f"diagonal_adjoint(g, x, offset=offset, {LAST_TWO})"),
    "matrix_transpose": ((("x", REQUIRED),), "swapaxes_adjoint(g, -1, -2)"),
    "cumulative_sum": ((("x", REQUIRED), ("axis", "None"), ("dtype", "None"), ("out", "None"),
                        ("include_initial", "False")),
                       "cumulative_sum_adjoint(g, x, axis=axis, include_initial=include_initial)"),
})
NORM_API = "keepdims=keepdims, ord=ord"
TEMPLATES.update({
    "vector_norm": ((("x", REQUIRED), ("axis", "None"), ("keepdims", "False"), ("ord", "2")),
                    {"x": f"vector_norm_tangent(x, x_dot, y, axis=axis, {NORM_API})"},
                    {"x": f"vector_norm_adjoint(g, x, y, axis=axis, {NORM_API})"}),
    "matrix_norm": ((("x", REQUIRED), ("keepdims", "False"), ("ord", "'fro'")),
                    {"x": f"norm_tangent(x, x_dot, y, axis=(-2, -1), {NORM_API})"},
                    {"x": f"norm_adjoint(g, x, y, axis=(-2, -1), {NORM_API})"}),
    "vecdot": (AB + (("axis", "-1"),), {"a": "vecdot_tangent(a_dot, b, axis=axis)", "b": "vecdot_tangent(a, b_dot, axis=axis)"},
               {"a": "vecdot_adjoint(g, b, a, axis=axis)", "b": "vecdot_adjoint(g, a, b, axis=axis)"}),
})

SVD = "full_matrices=full_matrices, compute_uv=compute_uv, hermitian=hermitian"
MULTI_OUTPUT = {
    "eigh": ((A, ("UPLO", "'L'")), "eigh_tangent(a, a_dot, y0, y1, UPLO=UPLO)",
             "eigh_adjoint(g0, g1, a, y0, y1, UPLO=UPLO)"),
    "svd": ((A, ("full_matrices", "True"), ("compute_uv", "True"), ("hermitian", "False")),
            f"svd_tangent(a, a_dot, y0, y1, y2, {SVD})", f"svd_adjoint(g0, g1, g2, a, y0, y1, y2, {SVD})"),
    "qr": ((A, ("mode", "'reduced'")), "qr_tangent(a, a_dot, y0, y1, mode=mode)",
           "qr_adjoint(g0, g1, a, y0, y1, mode=mode)"),
}

OUTPUTS = {"eigh": 2, "svd": 3, "qr": 2}     # w, v / u, s, vh / q, r

# literal arguments with no derivative: {rule: {parameter: (is refused, construct, hint)}}
REFUSED = {
    "median": {"overwrite_input": (lambda v: v is True, "np.median with overwrite_input=True",
                                   "it reorders its operand in place; leave overwrite_input at False")},
    "nan_to_num": {"copy": (lambda v: v is False, "np.nan_to_num with copy=False",
                            "it replaces values in place; leave copy at True")},
    "average": {"returned": (lambda v: v is True, "np.average with returned=True",
                             "differentiate np.average(...) and np.sum(weights) separately")},
    "interp": {"period": (lambda v: v is not None, "np.interp with period=",
                          "map x into one period with np.mod first")},
    "svd": {"compute_uv": (lambda v: v is False, "np.linalg.svd with compute_uv=False",
                           "write np.linalg.svdvals(a) for the singular values alone"),
            "hermitian": (lambda v: v is True, "np.linalg.svd with hermitian=True",
                          "leave hermitian at False")},
    "qr": {"mode": (lambda v: v not in ("reduced", "complete"), "np.linalg.qr with this mode",
                    "use mode='reduced' (the default): q, r = np.linalg.qr(a)")},
    "pinv": {"hermitian": (lambda v: v is True, "np.linalg.pinv with hermitian=True",
                           "leave hermitian at False")},
}


def _refusal(checks):
    def refusal(literals):
        for param, (refused, construct, hint) in checks.items():
            if param in literals and refused(literals[param]):
                return construct, (f"{hint}; for anything else register a rule with "
                                   "tangent_ad.custom_rule")
        return None
    return refusal


def build():
    rules = {name: Linear(name, *entry) for name, entry in LINEAR.items()}
    rules.update({name: Template(name, *entry) for name, entry in TEMPLATES.items()})
    for name, (signature, tangent, adjoint) in MULTI_OUTPUT.items():
        rules[name] = MultiOutput(name, signature, tangent, adjoint, outputs=OUTPUTS[name])
    rules["nan_to_num"] = Elementwise(
        "nan_to_num", (("x", REQUIRED), ("copy", "True"), ("nan", "0.0"), ("posinf", "None"), ("neginf", "None")),
        {"x": "np.isfinite(x)"})      # 1 where x is finite, 0 where it is replaced by a constant
    for name, checks in REFUSED.items():
        rules[name].refusal = _refusal(checks)
    return rules
