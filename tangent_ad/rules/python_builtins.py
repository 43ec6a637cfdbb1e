"""Rules for Python's own ``sum``, ``max`` and ``min``, chosen by how they are called.

One builtin has two meanings, so the rule is picked by the call's arguments
(``bind.py`` asks :func:`builtin_rule`):

- ``sum(x)`` adds the rows of ``x`` (its first axis): ``np.sum(x, axis=0)``, whose
  tangent is ``sum`` of the tangent; ``sum(x, start)`` is ``start + sum(x)``;
- ``max(x)`` / ``min(x)`` of a one-dimensional array: the largest / smallest entry,
  ties sharing the derivative as for ``np.max``;
- ``max(a, b)`` / ``min(a, b)``: ``np.maximum`` / ``np.minimum``; more arguments
  are taken two at a time (``max(max(a, b), c)``).

``abs``, ``float`` and ``pow`` have their rules in the elementwise table; ``len``,
``range``, ``int``, ``round`` and ``isinstance`` give values that carry no derivative.
"""
import builtins

from .kinds import REQUIRED, Linear, Template

_ITERABLE = (("iterable", REQUIRED),)
_WEIGHTS = "extremum_weights(iterable, y, axis=0)"


def build():
    """``{name: rule}`` of the one-argument forms (the two-argument ones are elementwise rules)."""
    rules = {"builtin_sum": Linear("builtin_sum", _ITERABLE, "sum_adjoint(g, iterable, axis=0)")}
    for name in ("max", "min"):
        rules[f"builtin_{name}"] = Template(
            f"builtin_{name}", _ITERABLE,
            {"iterable": f"np.sum({_WEIGHTS} * iterable_dot, axis=0)"},
            {"iterable": f"sum_adjoint(g, iterable, axis=0) * {_WEIGHTS}"})
    return rules


RULES = build()

# builtin -> (rule of the one-argument form, elementwise rule of two arguments)
FORMS = {builtins.sum: ("builtin_sum", None), builtins.max: ("builtin_max", "maximum"),
         builtins.min: ("builtin_min", "minimum")}


def is_builtin_reduction(obj):
    try:
        return obj in FORMS
    except TypeError:       # unhashable
        return False
