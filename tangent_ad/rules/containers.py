"""Rules for lists and tuples of differentiated values.

A list is differentiated as a value like any other: its tangent is the list of its
elements' tangents, its adjoint a :class:`~tangent_ad.runtime.containers.Cotangents`,
one adjoint per element. Building a list is one operation, and so is growing it:
``ys.append(v)`` is differentiated as ``ys = ys + [v]``, which leaves the list the
reverse sweep saved as it was.

- ``[a, b]`` / ``(a, b)``: the element ``k``'s adjoint is ``g[k]`` (``item_adjoint``);
- ``ys + [v]`` (``ys.append(v)``): ``g[:-1]`` for ``ys`` and ``g[-1]`` for ``v``;
- ``a + b`` of two lists (``ys.extend(zs)``): ``g`` split where ``a`` ends;
- ``list(x)`` of an array: its rows, whose adjoints are stacked back into one array;
- ``ys[i] = v`` (``list_set(ys, i, v)``, a new list): ``g`` with ``0.0`` at ``i`` for the
  list, ``g[i]`` for ``v``.

The runtime helpers do what the slices say, and pass the reverse sweep's zero
placeholder ``0.0`` through (a list no adjoint reached on some path).

Reading an element (``ys[i]``), ``len``, ``sum(ys)``, ``np.stack(ys)`` and the other
NumPy functions use their own rules, whose runtime helpers accept lists.
"""
from .. import runtime
from .higher import _signature
from .kinds import REQUIRED, SEQUENCE, Constant, Linear, Rule

# the runtime's list helpers, linear in their first argument (the rest read for lengths and
# shapes): a derivative that calls them can be differentiated again in forward mode
RUNTIME_LINEAR_IN_FIRST = ["cotangents", "list_set", "item_adjoint", "head_adjoint", "tail_adjoint", "as_array",
                           "rows_adjoint", "list_index_adjoint", "list_sum_adjoint"]


class Whole(Rule):
    """A rule whose tangent is one template over all operands' tangents (an operand that is
    not differentiated contributes ``zeros_like(operand)``), with an adjoint per operand."""

    def __init__(self, name, signature, tangent, adjoints):
        super().__init__(name, signature, tuple(adjoints))
        self.tangent = tangent
        self.adjoints = adjoints


def build():
    """``{name: rule}`` of the list and tuple operations."""
    return {
        "list_display": Linear("list_display", (("items", SEQUENCE),), "item_adjoint(g, k)"),
        "tuple_display": Linear("tuple_display", (("items", SEQUENCE),), "item_adjoint(g, k)"),
        "list_append": Whole("list_append", (("a", REQUIRED), ("item", REQUIRED)), "a_dot + [item_dot]",
                             {"a": "head_adjoint(g, -1)", "item": "item_adjoint(g, -1)"}),
        "list_set": Whole("list_set", (("a", REQUIRED), ("index", REQUIRED), ("item", REQUIRED)),
                          "list_set(a_dot, index, item_dot)",
                          {"a": "list_set(g, index, 0.0)", "item": "item_adjoint(g, index)"}),
        "list_rows": Linear("list_rows", (("a", REQUIRED),), "rows_adjoint(g, a)"),
        "as_array": Linear("as_array", (("arrays", SEQUENCE),), "stack_adjoint(g, k)"),
        "list_concat": Whole("list_concat", (("a", REQUIRED), ("b", REQUIRED)), "a_dot + b_dot",
                             {"a": "head_adjoint(g, len(a))", "b": "tail_adjoint(g, len(a))"}),
    }


def runtime_rules():
    """``{runtime function: rule}`` of the list helpers generated derivatives call."""
    rules = {}
    for name in RUNTIME_LINEAR_IN_FIRST:
        signature = _signature(name)
        rule = Linear(name, signature, None)
        rule.shape_only = frozenset(p for p, _ in signature[1:])
        rule.modes = ("forward",)
        rule.takes_lists = True             # its first argument is a list: never made an array
        rules[getattr(runtime, name)] = rule
    rules[runtime.list_zeros] = Constant("list_zeros")
    return rules


RULES = build()
