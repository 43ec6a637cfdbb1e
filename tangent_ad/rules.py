"""The derivative rules: one table, one short entry per operation.

Elementwise operations give only their partial derivatives, written over the
operands (``x``, or ``a`` and ``b``) and the result ``y``; both modes are built
from the partial: ``y_dot = partial * x_dot`` and ``x_bar += partial * y_bar``.
Other operations give explicit templates over the incoming adjoint ``g``,
written as readable Python that calls NumPy or the small runtime.

Rules are looked up by the object a call resolves to (``np.sin``, ``math.sin``
and ``from numpy import sin`` all find the same rule) or by method name.
"""
import math
import operator

import numpy as np

REQUIRED = object()


class Rule:
    """How one operation is differentiated.

    ``signature`` lists the parameters ``(name, default)`` the call is bound to;
    ``differentiable`` names those that carry derivatives.
    """
    elementwise = False
    uses_result = False

    def __init__(self, name, signature, differentiable):
        self.name = name
        self.signature = signature
        self.differentiable = differentiable


class Elementwise(Rule):
    """An elementwise operation: the partials are enough for both modes."""
    elementwise = True

    def __init__(self, name, signature, partials):
        super().__init__(name, signature, tuple(partials))
        self.partials = partials
        self.uses_result = any("y" in _placeholders(p) for p in partials.values())


class Linear(Rule):
    """Linear in its one differentiable operand: the tangent is the same call on the tangent.

    ``adjoint`` is a template over ``g`` and the parameters.
    """

    def __init__(self, name, signature, adjoint, operand=None):
        operand = operand or signature[0][0]
        super().__init__(name, signature, (operand,))
        self.adjoint = adjoint


class Bilinear(Rule):
    """A product of its two operands (matmul, dot): one template per operand for each mode."""

    def __init__(self, name, signature, tangents, adjoints):
        super().__init__(name, signature, ("a", "b"))
        self.tangents = tangents    # operand -> template over a, b, a_dot / b_dot
        self.adjoints = adjoints    # operand -> template over g, a, b


class Where(Rule):
    """``where(condition, a, b)``: the derivative flows to whichever operand was chosen."""

    def __init__(self):
        super().__init__("where", (("condition", REQUIRED), ("a", REQUIRED), ("b", REQUIRED)), ("a", "b"))
        self.tangents = {"a": "np.where(condition, a_dot, 0.0)", "b": "np.where(condition, 0.0, b_dot)"}
        self.adjoints = {"a": "np.where(condition, g, 0.0)", "b": "np.where(condition, 0.0, g)"}


def _placeholders(template):
    from .templates import free_names
    return free_names(template)


UNARY = (("x", REQUIRED),)
BINARY = (("a", REQUIRED), ("b", REQUIRED))

# ---------------------------------------------------------------- elementwise
# name: partial derivative dy/dx, over x and the result y
UNARY_PARTIALS = {
    "negative": "-1",
    "positive": "1",
    "exp": "y",
    "log": "1 / x",
    "sin": "np.cos(x)",
    "cos": "-np.sin(x)",
    "tan": "1 + y ** 2",
    "tanh": "1 - y ** 2",
    "sqrt": "0.5 / y",
    "absolute": "np.sign(x)",
}

# name: (dy/da, dy/db), over a, b and the result y
BINARY_PARTIALS = {
    "add": ("1", "1"),
    "subtract": ("1", "-1"),
    "multiply": ("b", "a"),
    "true_divide": ("1 / b", "-a / b ** 2"),
    "power": ("b * a ** (b - 1)", "np.log(a) * y"),
    # ties split the derivative evenly between the operands
    "maximum": ("0.5 + 0.5 * np.sign(a - b)", "0.5 - 0.5 * np.sign(a - b)"),
    "minimum": ("0.5 - 0.5 * np.sign(a - b)", "0.5 + 0.5 * np.sign(a - b)"),
}

# --------------------------------------------------------- linear in one operand
AXIS_ARGS = (("a", REQUIRED), ("axis", "None"), ("dtype", "None"), ("out", "None"), ("keepdims", "False"))
LINEAR = {
    "sum": (AXIS_ARGS, "sum_adjoint(g, a, axis=axis, keepdims=keepdims)"),
    "mean": (AXIS_ARGS, "mean_adjoint(g, a, axis=axis, keepdims=keepdims)"),
    "reshape": ((("a", REQUIRED), ("newshape", REQUIRED)), "reshape_adjoint(g, a)"),
    "transpose": ((("a", REQUIRED), ("axes", "None")), "transpose_adjoint(g, axes=axes)"),
    "getitem": ((("a", REQUIRED), ("index", REQUIRED)), "index_adjoint(g, a, index)"),
    "T": ((("a", REQUIRED),), "transpose_adjoint(g)"),
    "float": ((("a", REQUIRED),), "g"),
}

BILINEAR = {
    "matmul": ({"a": "a_dot @ b", "b": "a @ b_dot"},
               {"a": "matmul_adjoint_left(g, a, b)", "b": "matmul_adjoint_right(g, a, b)"}),
}


def _build_table():
    rules = {}
    for name, partial in UNARY_PARTIALS.items():
        rules[name] = Elementwise(name, UNARY, {"x": partial})
    for name, (da, db) in BINARY_PARTIALS.items():
        rules[name] = Elementwise(name, BINARY, {"a": da, "b": db})
    for name, (signature, adjoint) in LINEAR.items():
        rules[name] = Linear(name, signature, adjoint)
    for name, (tangents, adjoints) in BILINEAR.items():
        rules[name] = Bilinear(name, BINARY, tangents, adjoints)
    rules["where"] = Where()
    return rules


RULES = _build_table()

# Python operators, by gast operator class name
OPERATORS = {
    "Add": "add", "Sub": "subtract", "Mult": "multiply", "Div": "true_divide",
    "Pow": "power", "MatMult": "matmul", "USub": "negative", "UAdd": "positive",
}

# the functions users call, by identity
FUNCTIONS = {
    np.exp: "exp", np.log: "log", np.sin: "sin", np.cos: "cos", np.tan: "tan", np.tanh: "tanh",
    np.sqrt: "sqrt", np.abs: "absolute", np.negative: "negative", np.positive: "positive",
    np.add: "add", np.subtract: "subtract", np.multiply: "multiply", np.divide: "true_divide",
    np.power: "power", np.maximum: "maximum", np.minimum: "minimum", np.where: "where",
    np.sum: "sum", np.mean: "mean", np.reshape: "reshape", np.transpose: "transpose",
    np.matmul: "matmul", np.dot: "matmul",
    math.exp: "exp", math.log: "log", math.sin: "sin", math.cos: "cos", math.tan: "tan",
    math.tanh: "tanh", math.sqrt: "sqrt", abs: "absolute", float: "float",
    operator.add: "add", operator.sub: "subtract", operator.mul: "multiply",
    operator.truediv: "true_divide", operator.pow: "power", operator.matmul: "matmul",
}

# array methods: name -> rule name (the receiver is the first operand)
METHODS = {"sum": "sum", "mean": "mean", "reshape": "reshape", "transpose": "transpose", "dot": "matmul"}

# calls whose result carries no derivative (shapes, counts, comparisons, constructors)
NONDIFFERENTIABLE = {
    len, int, bool, range, isinstance, round, np.shape, np.ndim, np.size, np.sign, np.floor,
    np.ceil, np.round, np.rint, np.trunc, np.argmax, np.argmin, np.argsort, np.zeros_like,
    np.ones_like, np.full_like, np.empty_like, np.zeros, np.ones, np.full, np.empty, np.arange,
    np.linspace, np.eye, np.isnan, np.isinf, np.isfinite, np.greater, np.less, np.equal,
    np.not_equal, np.greater_equal, np.less_equal, np.logical_and, np.logical_or, np.logical_not,
    np.all, np.any, np.count_nonzero, math.floor, math.ceil, math.isnan,
}
NONDIFFERENTIABLE_ATTRIBUTES = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes"}
NONDIFFERENTIABLE_METHODS = {"argmax", "argmin", "argsort", "nonzero", "all", "any"}


def rule_for(obj):
    """The rule for a resolved callable, or None."""
    try:
        name = FUNCTIONS.get(obj)
    except TypeError:   # unhashable
        return None
    return RULES[name] if name else None


def is_nondifferentiable(obj):
    try:
        return obj in NONDIFFERENTIABLE
    except TypeError:
        return False
