"""The kinds of derivative rule, from the simplest (a partial derivative) to the most general.

Every rule is written as small Python templates over placeholder names: the
operands by parameter name (``x``, ``a``, ``b``, ``axis``, ...), the result
``y``, the incoming adjoint ``g`` and, in forward mode, the operands' tangents
``x_dot``, ``a_dot``, ... The templates are filled in with the program's own
variable names, so the derivative reads like code written by hand.
"""
from ..ir.templates import free_names

REQUIRED = object()     # a parameter without a default
SEQUENCE = object()     # a parameter taking a list of arrays written out: [a, b, c]
VARIADIC = object()     # the remaining positional arguments (*operands)


class Rule:
    """How one operation is differentiated.

    ``signature`` lists the parameters ``(name, default)`` the call is bound to;
    ``differentiable`` names those that carry derivatives.
    """
    elementwise = False
    modes = ("forward", "reverse")
    shape_only = frozenset()    # parameters read for their shape or dtype only: never differentiated
    # {parameter: value} of the arguments written as literals -> (construct, hint) where the rule
    # has no derivative for them, so that they are refused where the call is written
    refusal = None

    def __init__(self, name, signature, differentiable):
        self.name = name
        self.signature = tuple(signature)
        self.differentiable = tuple(differentiable)
        self.uses_result = False

    @property
    def sequence_param(self):
        """The parameter taking a list of operands (concatenate's arrays), or None."""
        for param, default in self.signature:
            if default is SEQUENCE or default is VARIADIC:
                return param
        return None

    def __repr__(self):
        return f"<{type(self).__name__} rule {self.name}>"


def _uses_result(templates):
    return any("y" in free_names(t) for t in templates if t)


class Elementwise(Rule):
    """An elementwise operation: its partial derivatives are enough for both modes.

    ``y_dot = sum(partial * operand_dot)`` and ``operand_bar += partial * y_bar``,
    summed back to the operand's shape where it was broadcast.
    """
    elementwise = True

    def __init__(self, name, signature, partials):
        super().__init__(name, signature, tuple(partials))
        self.partials = partials
        self.uses_result = _uses_result(partials.values())


class Linear(Rule):
    """Linear in one operand: the tangent is the same call on the tangent.

    ``adjoint`` is a template over ``g`` and the parameters; for a list operand
    (``np.concatenate([a, b])``) it also reads ``k``, the position in the list.
    """

    def __init__(self, name, signature, adjoint, operand=None):
        operand = operand or signature[0][0]
        super().__init__(name, signature, (operand,))
        self.adjoint = adjoint
        self.uses_result = _uses_result([adjoint]) if adjoint else False


class Template(Rule):
    """Any other operation: a tangent template and an adjoint template per operand.

    The tangent of the result is the sum of the active operands' tangent templates.
    """

    def __init__(self, name, signature, tangents, adjoints):
        super().__init__(name, signature, tuple(tangents))
        self.tangents = tangents
        self.adjoints = adjoints
        self.uses_result = _uses_result(list(tangents.values()) + list(adjoints.values()))
        if not adjoints:
            self.modes = ("forward",)


class Where(Rule):
    """``where(condition, a, b)``: the derivative flows to whichever operand was chosen."""

    def __init__(self, name="where"):
        super().__init__(name, (("condition", REQUIRED), ("a", REQUIRED), ("b", REQUIRED)), ("a", "b"))
        self.adjoints = {"a": "np.where(condition, g, 0.0)", "b": "np.where(condition, 0.0, g)"}


class MultiOutput(Rule):
    """An operation returning a tuple, unpacked on the spot: ``a, b = np.split(x, 2)``.

    ``tangent`` is a template giving the tuple of the outputs' tangents (over the
    operands, their ``*_dot`` and the outputs ``y0, y1, ...``); ``adjoint`` gives the
    operand's adjoint from the outputs' adjoints ``g0, g1, ...`` (and ``gs``, their list).
    ``outputs`` is the number of values returned where it does not depend on the call (None
    for ``np.split``, whose call says it).
    """

    def __init__(self, name, signature, tangent, adjoint, operand=None, outputs=None):
        operand = operand or signature[0][0]
        super().__init__(name, signature, (operand,))
        self.tangent = tangent
        self.adjoint = adjoint
        self.outputs = outputs      # how many values it returns, where that is fixed (svd: 3)


class IndexStore(Rule):
    """``x[index] = v`` or ``x[index] += v`` on an array being differentiated."""

    def __init__(self, name, add):
        super().__init__(name, (("a", REQUIRED), ("index", REQUIRED), ("v", REQUIRED)), ("a", "v"))
        self.add = add
        self.tangent = f"index_update(a_dot, a, index, v_dot{', add=True' if add else ''})"
        self.adjoints = {"a": "g" if add else "setitem_adjoint(g, index)",
                         "v": "setitem_value_adjoint(g, v, index)"}


class Custom(Rule):
    """A rule a user registered with :func:`tangent_ad.custom_rule`: calls to their functions."""

    def __init__(self, func, params, jvp=None, vjp=None):
        super().__init__(getattr(func, "__name__", "function"),
                         tuple((p, REQUIRED) for p in params), tuple(params))
        self.func = func
        self.jvp = jvp
        self.vjp = vjp
        self.modes = tuple(m for m, f in (("forward", jvp), ("reverse", vjp)) if f is not None)


class Constant:
    """A call whose result carries no derivative (shapes, counts, comparisons, rounding)."""
    modes = ("constant",)

    def __init__(self, name):
        self.name = name
