"""Rules for reductions, shape changes, assembly, indexing and casts.

Most of these are linear in their array operand, so the tangent is the same
call on the tangent and only the adjoint needs a template; the rest give a
template per mode. Templates call the runtime (``tangent_ad.runtime``) where
the adjoint is more than one NumPy call.
"""
from .kinds import REQUIRED, SEQUENCE, IndexStore, Linear, MultiOutput, Template, Where

A = ("a", REQUIRED)
REDUCE = (A, ("axis", "None"), ("dtype", "None"), ("out", "None"), ("keepdims", "False"))
EXTREMUM = (A, ("axis", "None"), ("out", "None"), ("keepdims", "False"))
MOMENT = (A, ("axis", "None"), ("dtype", "None"), ("out", "None"), ("ddof", "0"), ("keepdims", "False"))
CUMULATIVE = (A, ("axis", "None"), ("dtype", "None"), ("out", "None"))
DIAGONAL = (A, ("offset", "0"), ("axis1", "0"), ("axis2", "1"))
AXES = "axis=axis, keepdims=keepdims"

# name: (signature, adjoint template over g)  -- the tangent is the same call on the tangent
LINEAR = {
    "sum": (REDUCE, f"sum_adjoint(g, a, {AXES})"),
    "mean": (REDUCE, f"mean_adjoint(g, a, {AXES})"),
    "cumsum": (CUMULATIVE, "cumsum_adjoint(g, a, axis=axis)"),
    "trace": (DIAGONAL + (("dtype", "None"), ("out", "None")),
              "trace_adjoint(g, a, offset=offset, axis1=axis1, axis2=axis2)"),
    "reshape": ((A, ("newshape", "None"), ("order", "'C'"), ("shape", "None")), "reshape_adjoint(g, a)"),
    "ravel": ((A, ("order", "'C'")), "reshape_adjoint(g, a)"),
    "squeeze": ((A, ("axis", "None")), "reshape_adjoint(g, a)"),
    "expand_dims": ((A, ("axis", REQUIRED)), "reshape_adjoint(g, a)"),
    "atleast_2d": ((A,), "reshape_adjoint(g, a)"),
    "transpose": ((A, ("axes", "None")), "transpose_adjoint(g, axes=axes)"),
    "T": ((A,), "transpose_adjoint(g)"),
    "swapaxes": ((A, ("axis1", REQUIRED), ("axis2", REQUIRED)), "swapaxes_adjoint(g, axis1, axis2)"),
    "moveaxis": ((A, ("source", REQUIRED), ("destination", REQUIRED)),
                 "moveaxis_adjoint(g, source, destination)"),
    "broadcast_to": ((("array", REQUIRED), ("shape", REQUIRED)), "unbroadcast(g, array)"),
    "tile": ((("A", REQUIRED), ("reps", REQUIRED)), "tile_adjoint(g, A, reps)"),
    "repeat": ((A, ("repeats", REQUIRED), ("axis", "None")), "repeat_adjoint(g, a, repeats, axis=axis)"),
    "flip": ((("m", REQUIRED), ("axis", "None")), "flip_adjoint(g, axis=axis)"),
    "fliplr": ((("m", REQUIRED),), "flip_adjoint(g, axis=1)"),
    "flipud": ((("m", REQUIRED),), "flip_adjoint(g, axis=0)"),
    "roll": ((A, ("shift", REQUIRED), ("axis", "None")), "roll_adjoint(g, shift, axis=axis)"),
    "diag": ((("v", REQUIRED), ("k", "0")), "diag_adjoint(g, v, k=k)"),
    "diagonal": (DIAGONAL, "diagonal_adjoint(g, a, offset=offset, axis1=axis1, axis2=axis2)"),
    "tril": ((("m", REQUIRED), ("k", "0")), "tril_adjoint(g, k=k)"),
    "triu": ((("m", REQUIRED), ("k", "0")), "triu_adjoint(g, k=k)"),
    "take": ((A, ("indices", REQUIRED), ("axis", "None")), "take_adjoint(g, a, indices, axis=axis)"),
    "getitem": ((A, ("index", REQUIRED)), "index_adjoint(g, a, index)"),
    "float": ((A,), "gradient_like(g, a)"),          # float(x) of a one-element array
    # a list of arrays written out in the call; k is the position of one of them
    "concatenate": ((("arrays", SEQUENCE), ("axis", "0")), "concatenate_adjoint(g, arrays, k, axis=axis)"),
    "stack": ((("arrays", SEQUENCE), ("axis", "0")), "stack_adjoint(g, k, axis=axis)"),
    "hstack": ((("tup", SEQUENCE),), "hstack_adjoint(g, tup, k)"),
    "vstack": ((("tup", SEQUENCE),), "vstack_adjoint(g, tup, k)"),
    "array": ((("object", SEQUENCE), ("dtype", "None")), "stack_adjoint(g, k)"),
}

# name: (signature, {operand: tangent template}, {operand: adjoint template})
TEMPLATES = {
    "prod": (REDUCE, {"a": f"np.sum(prod_partials(a, axis=axis) * a_dot, {AXES})"},
             {"a": f"sum_adjoint(g, a, {AXES}) * prod_partials(a, axis=axis)"}),
    # ties split the derivative evenly between the entries that attain the extremum
    "max": (EXTREMUM, {"a": f"np.sum(extremum_weights(a, y, {AXES}) * a_dot, {AXES})"},
            {"a": f"sum_adjoint(g, a, {AXES}) * extremum_weights(a, y, {AXES})"}),
    "var": (MOMENT, {"a": "var_tangent(a, a_dot, axis=axis, ddof=ddof, keepdims=keepdims)"},
            {"a": "var_adjoint(g, a, axis=axis, ddof=ddof, keepdims=keepdims)"}),
    # d std = d var / (2 std); where std is 0 (one entry, or all equal) so is d var, and the
    # divisor 1 there gives 0 rather than 0 / 0, as for np.linalg.norm at 0
    "std": (MOMENT,
            {"a": "var_tangent(a, a_dot, axis=axis, ddof=ddof, keepdims=keepdims) / (2 * y + (y == 0))"},
            {"a": "var_adjoint(g / (2 * y + (y == 0)), a, axis=axis, ddof=ddof, keepdims=keepdims)"}),
    "cumprod": (CUMULATIVE, {"a": "cumprod_tangent(a, a_dot, y, axis=axis)"},
                {"a": "cumprod_adjoint(g, a, y, axis=axis)"}),
    "pad": ((("array", REQUIRED), ("pad_width", REQUIRED), ("mode", "'constant'"),
             ("constant_values", "0")),
            {"array": "pad_tangent(array_dot, pad_width, mode=mode)"},
            {"array": "pad_adjoint(g, array, pad_width, mode=mode)"}),
    "astype": ((A, ("dtype", "None")), {"a": "cast_tangent(a_dot, y)"}, {"a": "cast_adjoint(g, a, y)"}),
}
TEMPLATES["min"] = TEMPLATES["max"]

# a, b = np.split(x, 2): (signature, tangents of the outputs, adjoint from the outputs' adjoints gs)
SPLIT = ((("ary", REQUIRED), ("indices_or_sections", REQUIRED), ("axis", "0")),
         "np.split(ary_dot, indices_or_sections, axis=axis)",
         "split_adjoint(gs, ary, indices_or_sections, axis=axis)")
MULTI_OUTPUT = {
    "split": SPLIT,
    "array_split": (SPLIT[0], SPLIT[1].replace("np.split", "np.array_split"), SPLIT[2]),
}


def build():
    rules = {}
    for name, (signature, adjoint) in LINEAR.items():
        rules[name] = Linear(name, signature, adjoint)
    for name, (signature, tangents, adjoints) in TEMPLATES.items():
        rules[name] = Template(name, signature, tangents, adjoints)
    for name, (signature, tangent, adjoint) in MULTI_OUTPUT.items():
        rules[name] = MultiOutput(name, signature, tangent, adjoint)
    rules["where"] = Where()
    rules["setitem"] = IndexStore("setitem", add=False)
    rules["setitem_add"] = IndexStore("setitem_add", add=True)
    return rules
