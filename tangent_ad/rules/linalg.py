"""Rules for products and linear algebra.

Products are linear in each operand, so each operand's tangent is the product
with that operand replaced by its tangent; matrix functions (inverse, solve,
determinant, Cholesky) use the classic matrix-calculus identities, spelled out
in the runtime functions they call.
"""
from .kinds import REQUIRED, VARIADIC, MultiOutput, Template

AB = (("a", REQUIRED), ("b", REQUIRED))


def _product(call, left, right, signature=AB, extra=""):
    """A product call(a, b): each operand's tangent is the call with it replaced by its tangent."""
    return (signature,
            {"a": f"{call}(a_dot, b{extra})", "b": f"{call}(a, b_dot{extra})"},
            {"a": left, "b": right})


TEMPLATES = {
    "matmul": (AB, {"a": "a_dot @ b", "b": "a @ b_dot"},
               {"a": "matmul_adjoint_left(g, a, b)", "b": "matmul_adjoint_right(g, a, b)"}),
    "dot": _product("np.dot", "dot_adjoint_left(g, a, b)", "dot_adjoint_right(g, a, b)"),
    "inner": _product("np.inner", "inner_adjoint_left(g, a, b)", "inner_adjoint_right(g, a, b)"),
    "outer": _product("np.outer", "outer_adjoint_left(g, a, b)", "outer_adjoint_right(g, a, b)"),
    "vdot": _product("np.vdot", "vdot_adjoint(g, b, a)", "vdot_adjoint(g, a, b)"),
    "tensordot": _product("np.tensordot", "tensordot_adjoint_left(g, a, b, axes=axes)",
                          "tensordot_adjoint_right(g, a, b, axes=axes)",
                          signature=AB + (("axes", "2"),), extra=", axes=axes"),
    # operands is the list of arrays; k is the position of the one differentiated
    "einsum": ((("subscripts", REQUIRED), ("operands", VARIADIC)),
               {"operands": "np.einsum(subscripts, *dotted)"},
               {"operands": "einsum_adjoint(g, subscripts, operands, k)"}),
    "inv": ((("a", REQUIRED),), {"a": "-(y @ a_dot @ y)"}, {"a": "inv_adjoint(g, y)"}),
    "solve": (AB, {"a": "-np.linalg.solve(a, a_dot @ y)", "b": "np.linalg.solve(a, b_dot)"},
              {"a": "solve_adjoint_a(g, a, y)", "b": "solve_adjoint_b(g, a)"}),
    "det": ((("a", REQUIRED),), {"a": "det_tangent(a, a_dot, y)"}, {"a": "det_adjoint(g, a, y)"}),
    "cholesky": ((("a", REQUIRED),), {"a": "cholesky_tangent(a_dot, y)"}, {"a": "cholesky_adjoint(g, y)"}),
    # every ord: vector 2, 1, 0, inf, -inf, p; matrix 'fro', 'nuc', 1, -1, 2, -2, inf, -inf (runtime/norms.py)
    "norm": ((("x", REQUIRED), ("ord", "None"), ("axis", "None"), ("keepdims", "False")),
             {"x": "norm_tangent(x, x_dot, y, ord=ord, axis=axis, keepdims=keepdims)"},
             {"x": "norm_adjoint(g, x, y, ord=ord, axis=axis, keepdims=keepdims)"}),
}

# sign, logdet = np.linalg.slogdet(a): only logdet has a derivative
MULTI_OUTPUT = {
    "slogdet": ((("a", REQUIRED),), "zeros_like(y0), logdet_tangent(a, a_dot)", "logdet_adjoint(g1, a)"),
}


def build():
    rules = {name: Template(name, *entry) for name, entry in TEMPLATES.items()}
    for name, (signature, tangent, adjoint) in MULTI_OUTPUT.items():
        rules[name] = MultiOutput(name, signature, tangent, adjoint, outputs=2)    # sign, logabsdet
    return rules
