"""Activity analysis: which variables carry derivatives.

A variable is *active* when it depends on a differentiated argument (varied)
and the output depends on it (useful). Integers, flags, shapes, loop counters
and module constants are never active, so they get no tangents or adjoints.

The analysis is per variable name and ignores statement order (a name that is
active anywhere is active everywhere): simple, and never too small.

It is conservative by construction: a derivative may flow into a name through
anything that can change the value the name refers to, not only through an
assignment to it. A store into a view (``r = out[0]; r[1] = v``) changes every
name that may share ``r``'s memory; a method of a local object (``ys.append(v)``),
a call whose result is unused, ``out=`` and a helper that changes its argument
change their operands; a value called as a function (a closure a helper made) passes
on what it captured; an indexing object such as ``np.r_[a, b]`` passes on its
elements. Such a name becomes active, and the flattening step then either
differentiates what it writes or refuses it with a located error: no value that
depends on a differentiated argument is silently a constant.
"""
import contextlib
import inspect

import gast
import numpy as np

from ..ir import nodes as ir
from .. import rules
# methods of a local value that never change it: everything else (append, extend, fill,
# sort, update, ...) is taken to change its receiver with its arguments
from .escapes import READ_ONLY_METHODS

# NumPy functions that write into their first argument
_WRITES_FIRST_ARGUMENT = {np.copyto, np.put, np.place, np.putmask, np.fill_diagonal}


class Flow:
    """Which variables an expression's derivative flows from."""

    def __init__(self, resolve, local_names):
        self.resolve = resolve           # name -> object (globals, closure, builtins)
        self.local_names = local_names
        self.varied = self.useful = frozenset()
        self._known = None               # id(node) -> (node, names) inside remembering()

    def __call__(self, expr):
        return self.names(expr)

    @contextlib.contextmanager
    def remembering(self):
        """Each node's names computed once while the code does not change: lowering a nested
        expression asks about every part of it, then again about each part's parts (quadratic:
        a 2000-term sum took two million visits)."""
        outer = self._known
        self._known = {} if outer is None else outer
        try:
            yield
        finally:
            self._known = outer

    def names(self, node):
        if self._known is None:
            return self._names(node)
        known = self._known.get(id(node))
        if known is None:               # the node is kept with its names, so its id is not reused
            known = self._known[id(node)] = (node, self._names(node))
        return known[1]

    def _names(self, node):
        if node is None:
            return set()
        if isinstance(node, gast.Name):
            return {node.id} if node.id in self.local_names else set()
        if isinstance(node, (gast.Constant, gast.Compare, gast.Slice)):
            return set()
        if isinstance(node, gast.BinOp):
            if isinstance(node.op, (gast.FloorDiv, gast.BitAnd, gast.BitOr, gast.BitXor,
                                    gast.LShift, gast.RShift)):
                return set()
            return self.names(node.left) | self.names(node.right)
        if isinstance(node, gast.UnaryOp):
            return set() if isinstance(node.op, (gast.Not, gast.Invert)) else self.names(node.operand)
        if isinstance(node, gast.BoolOp):
            return set().union(*(self.names(v) for v in node.values))
        if isinstance(node, gast.Attribute):
            if node.attr in rules.NONDIFFERENTIABLE_ATTRIBUTES:
                return set()
            return self.names(node.value)
        if isinstance(node, gast.Subscript):
            # the index too: np.r_[a, b] builds a value from it (an index computed from a
            # differentiated value is refused later, where it is lowered)
            return self.names(node.value) | self.names(node.slice)
        if isinstance(node, (gast.Tuple, gast.List)):
            return set().union(*(self.names(e) for e in node.elts)) if node.elts else set()
        if isinstance(node, gast.IfExp):
            return self.names(node.body) | self.names(node.orelse)
        if isinstance(node, gast.Call):
            return self.call(node)
        return set().union(*(self.names(c) for c in gast.iter_child_nodes(node)
                             if isinstance(c, gast.expr))) if list(gast.iter_child_nodes(node)) else set()

    def call(self, node):
        func = node.func
        if isinstance(func, gast.Attribute) and self.names(func.value) \
                and func.attr in rules.NONDIFFERENTIABLE_METHODS:
            return set()
        target = self.resolve_callee(func)
        if target is not None and rules.is_nondifferentiable(target):
            return set()
        rule = rules.rule_for(target) if target is not None else None
        shape_only = rule.shape_only if rule is not None else frozenset()
        params = [p for p, _ in rule.signature] if shape_only else []
        flows = set()
        for index, arg in enumerate(node.args):
            if index < len(params) and params[index] in shape_only:
                continue                  # read for its shape: no derivative flows from it
            flows |= self.names(arg)
        for keyword in node.keywords:
            if keyword.arg not in shape_only:
                flows |= self.names(keyword.value)
        if isinstance(func, gast.Attribute):
            flows |= self.names(func.value)      # a method call on a value
        elif target is None:
            flows |= self.names(func)            # a function held in a variable: what it captured
        return flows

    def resolve_callee(self, func):
        """The object a call's function expression refers to, if it is not a local value; for a
        helper decorated with ``@tad.differentiate``, the function it decorates."""
        if isinstance(func, gast.Name):
            if func.id in self.local_names:
                return None
            return _undecorated(self.resolve(func.id))
        if isinstance(func, gast.Attribute):
            base = self.resolve_callee(func.value)
            if base is None:
                return None
            return _undecorated(getattr(base, func.attr, None))
        return None


def _undecorated(obj):
    """``@tad.differentiate``'s object stands for the function it decorates."""
    return obj.__wrapped__ if getattr(type(obj), "_tangent_ad_decorated", False) else obj


def local_names(function):
    """Every name assigned in the function, and its parameters."""
    return set(function.params) | ir.writes(function.body)


def dependencies(function, flow, aliases=None):
    """Edges ``target <- source`` of derivative flow, for every assignment, and for every
    statement that may change a value in place (see the module's docstring).

    ``aliases`` (an :class:`aliasing.AliasGroups`) widens a store to every name that may
    share the stored array's memory.
    """
    edges = []

    def sharing(name_, statement):
        if aliases is None:
            return {name_}
        return {n for n in aliases.group(name_, statement) if not n.startswith("@")} | {name_}

    def changed_in_place(s, nodes):
        """Edges for calls in ``nodes`` that may change an operand: ``ys.append(v)``, ..."""
        unused = isinstance(s, ir.Raw) and isinstance(s.node, gast.Expr)
        for node in nodes:
            for call in (c for c in gast.walk(node) if isinstance(c, gast.Call)):
                operands = list(call.args) + [k.value for k in call.keywords]
                sources = set().union(*(flow(a) for a in operands)) if operands else set()
                changed = [k.value for k in call.keywords if k.arg == "out"]
                func = call.func
                receiver = ir.root_name(func.value) if isinstance(func, gast.Attribute) else None
                if receiver in flow.local_names and func.attr not in READ_ONLY_METHODS \
                        and func.attr not in rules.METHODS:
                    changed.append(func.value)
                callee = flow.resolve_callee(func)
                if _accumulates_into_first(callee):        # index_accumulate(x_bar, g, i) in a derivative
                    changed += operands[:1]
                elif unused or _writes_argument(callee):
                    changed += operands
                for operand in changed:
                    root = ir.root_name(operand)
                    if root in flow.local_names:
                        for target in sharing(root, s):
                            edges.append((target, sources | flow(operand)))

    def visit(statements):
        for s in statements:
            if isinstance(s, (ir.Assign, ir.Unpack)):
                changed_in_place(s, [s.value])
            elif isinstance(s, ir.Raw):
                if (ir.stack_push(s.node) or ("",))[0] in function.stacks:
                    continue            # tape.append(v) in a derivative's code: saved, popped back into v
                changed_in_place(s, [s.node])
            elif isinstance(s, (ir.If, ir.While)):
                changed_in_place(s, [s.test])
            elif isinstance(s, ir.For):
                changed_in_place(s, [s.iter])
            if isinstance(s, ir.Assign):
                if ir.stack_pop(s.value) in function.stacks:
                    continue            # v = tape.pop() restores v: it is active as v is elsewhere
                edges.append((s.target, flow(s.value)))
                if s.augmented or s.index is not None:     # x += v changes x's memory in place
                    for target in sharing(s.target, s):
                        edges.append((target, flow(s.value) | {s.target}))
            elif isinstance(s, ir.Unpack):
                sources = flow(s.value)
                for target in s.targets:
                    edges.append((target, sources))
            elif isinstance(s, ir.Raw):
                node = s.node
                if (ir.stack_push(node) or ("",))[0] in function.stacks:
                    continue            # tape.append(v): saved, to be popped back into v
                value = getattr(node, "value", None)
                sources = flow(value) if value is not None else set()
                if isinstance(node, gast.AugAssign) or (
                        isinstance(node, gast.Assign) and not all(
                            isinstance(t, (gast.Name, gast.Tuple, gast.List)) for t in node.targets)):
                    sources = sources | set(s.writes)   # x[i] = v keeps the rest of x
                in_place = isinstance(node, gast.AugAssign) or (
                    isinstance(node, gast.Assign) and not all(
                        isinstance(t, (gast.Name, gast.Tuple, gast.List)) for t in node.targets))
                for target in s.writes:
                    # a store through a view (r[1] = v with r = out[0]) changes out as well
                    for changed in (sharing(target, s) if in_place else {target}):
                        edges.append((changed, sources))
            elif isinstance(s, ir.If):
                visit(s.body)
                visit(s.orelse)
            elif isinstance(s, ir.While):
                visit(s.body)
            elif isinstance(s, ir.For):
                targets = {s.target} if s.target else ir.written_names(s.origin.target)
                for target in targets:
                    edges.append((target, flow(s.iter)))
                visit(s.body)

    visit(function.body)
    return edges


def _accumulates_into_first(callee):
    """The runtime's ``index_accumulate``, which a derivative's code calls to add into its first
    argument: the index and the value added are only read (so a loop index stays an int)."""
    return (getattr(callee, "__module__", None) or "").startswith("tangent_ad.runtime") \
        and getattr(callee, "__name__", "") in ("index_accumulate", "list_index_accumulate")


def _writes_argument(callee):
    """Whether calling ``callee`` may change an argument in place."""
    from .aliasing import mutates_arguments
    if callee is None:
        return False
    if inspect.isfunction(callee):
        return mutates_arguments(callee)
    try:
        return callee in _WRITES_FIRST_ARGUMENT or (
            getattr(callee, "__name__", None) == "at" and isinstance(getattr(callee, "__self__", None), np.ufunc))
    except TypeError:
        return False


def alias_groups(function, flow):
    """Which names may share memory, for :func:`analyze` to widen stores with."""
    from .aliasing import AliasGroups

    def resolve(name_):
        return None if name_ in flow.local_names else flow.resolve(name_)

    return AliasGroups(function.body, resolve, params=function.params)


def analyze(function, wrt, flow, aliases=None):
    """The set of active variable names of ``function`` for the arguments ``wrt``."""
    edges = dependencies(function, flow, aliases)
    varied = set(wrt)
    changed = True
    while changed:
        changed = False
        for target, sources in edges:
            if target not in varied and sources & varied:
                varied.add(target)
                changed = True
    useful = set(function.results)
    changed = True
    while changed:
        changed = False
        # usefulness flows from later statements to earlier ones: straight-line code takes one pass
        for target, sources in reversed(edges):
            if target in useful:
                new = sources - useful
                if new:
                    useful |= new
                    changed = True
    flow.varied, flow.useful = varied, useful      # for checks that need one without the other
    return varied & useful
