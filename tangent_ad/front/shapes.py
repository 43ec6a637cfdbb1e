"""Symbolic shapes, to know when broadcasting cannot have happened.

Every shape is the broadcast of a set of *atoms*: a parameter's shape, or the
shape one operation produced. Two values with the same set of atoms have the
same shape, so an elementwise operation between them needs no reduction in
reverse mode (``unbroadcast``) and no expansion in forward mode
(``broadcast_like``). Anything not known for sure gets an atom of its own, so
the answer is "maybe different" and the general code is generated.
"""
import gast

from ..ir import nodes as ir

UNSTABLE = None     # a variable whose assignments give different shapes


class Shapes:
    """The symbolic shape of each variable of ``function``.

    ``numbers``: the parameters the call being differentiated passes a Python or NumPy
    number to (``pipeline/cache.py``'s ``scalars``): their shape is ``()``, the empty set of
    atoms, so arithmetic among them needs no ``unbroadcast`` and no ``broadcast_like``.
    """

    def __init__(self, function, numbers=frozenset()):
        self.given = frozenset(p for p in numbers if p in function.params)   # told by the call
        self.of = {p: frozenset() if p in self.given else frozenset([p]) for p in function.params}
        self._unique = 0
        params = set(function.params)
        unknown, loop_targets = _unknown_writes(function), _loop_targets(function)
        for written in unknown | (loop_targets & params):
            self.of[written] = UNSTABLE       # a, b = helper(x), a statement kept as written
        for i in loop_targets - unknown - params:
            self.of[i] = frozenset()           # for i in range(...): a Python int
        assignments = [s for s in ir.walk(function.body) if isinstance(s, ir.Assign)]
        for _ in range(len(assignments) + 2):       # to a fixed point
            changed = False
            for index, a in enumerate(assignments):
                shape = self._shape_of_assignment(a, index)
                current = self.of.get(a.target, _Pending)
                merged = shape if current is _Pending else _merge(current, shape)
                if merged != current:
                    self.of[a.target] = merged
                    changed = True
            if not changed:
                break
        self.sources = self._same_shape_sources(assignments, params | unknown | loop_targets)

    def _same_shape_sources(self, assignments, other_writes):
        """{v: u}: every assignment of ``v`` is an elementwise function of ``u`` alone
        (``v = np.sin(u)``, ``v = 2.0 * u``, ``v = u``), so ``v`` always has ``u``'s shape
        and dtype, and ``u`` is defined wherever ``v`` is."""
        candidates = dict.fromkeys(other_writes)     # parameters, a, b = f(x), loop targets
        for a in assignments:
            operand = _only_operand(a)
            if operand is None or candidates.get(a.target, operand) != operand:
                candidates[a.target] = None
            else:
                candidates[a.target] = operand
        sources = {}
        for v, u in candidates.items():
            seen = {v}
            while u is not None and u not in seen and self.var(u) == self.var(v):
                sources[v] = u
                seen.add(u)
                u = candidates.get(u)
        return sources

    def same_shape_source(self, name_):
        """The earliest variable known to have ``name_``'s shape and dtype (``name_`` itself if none).

        Code that reads a value only for its shape can read this one instead, so the
        value itself need not be computed or kept.
        """
        return self.sources.get(name_, name_)

    def _fresh(self):
        self._unique += 1
        return frozenset([f"#{self._unique}"])

    def var(self, name_):
        """The shape of a variable (unstable ones get a new atom at each use)."""
        shape = self.of.get(name_, _Pending)
        if shape is UNSTABLE or shape is _Pending:
            return self._fresh()
        return shape

    def expr(self, node):
        if isinstance(node, gast.Constant):
            return frozenset()
        if isinstance(node, gast.UnaryOp) and isinstance(node.operand, gast.Constant):
            return frozenset()
        if isinstance(node, gast.Name):
            return self.var(node.id)
        return self._fresh()

    def union(self, names):
        shape = frozenset()
        for n in names:
            shape |= self.var(n)
        return shape

    def _of_numbers(self, node):
        """Whether ``node`` is arithmetic on numbers alone: number literals and variables of shape
        () (a parameter the call passes a number to, ``front/shapes.py``), so itself a number
        (``t3 = x ** 2`` of a float ``x`` that is not differentiated)."""
        if isinstance(node, gast.Constant):
            return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
        if isinstance(node, gast.Name):
            return self.of.get(node.id, _Pending) == frozenset()
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, (gast.USub, gast.UAdd)):
            return self._of_numbers(node.operand)
        if isinstance(node, gast.BinOp) and not isinstance(node.op, gast.MatMult):
            return self._of_numbers(node.left) and self._of_numbers(node.right)
        return False

    def _shape_of_assignment(self, a, index):
        op = a.op
        if op is None or op.kind == "constant":
            numbers = _is_python_number(a.value) or (self.given and self._of_numbers(a.value))
            return frozenset() if numbers else frozenset([f"@{index}"])
        if op.kind == "copy" or a.index is not None:      # a store keeps the array's shape
            return self.expr(op.bound["x" if op.kind == "copy" else "a"])
        if op.kind == "rule" and op.rule.elementwise or (op.rule is not None and op.rule.name == "where"):
            shape = frozenset()
            for atom in op.bound.values():
                shape |= self.expr(atom)
            return shape
        if op.kind == "rule" and op.rule.name in ("sum", "mean"):
            axis, keepdims = op.bound.get("axis"), op.bound.get("keepdims")
            if _is_none(axis) and (keepdims is None or _is_false(keepdims)):
                return frozenset()
        return frozenset([f"@{index}"])


class _PendingType:
    def __repr__(self):
        return "pending"


_Pending = _PendingType()


def _merge(old, new):
    if old is UNSTABLE or new is UNSTABLE:
        return UNSTABLE
    if new is _Pending or any(atom.startswith("#") for atom in new):
        return UNSTABLE
    return old if old == new else UNSTABLE


def _is_python_number(node):
    """A numeric literal, a length, or an entry of a shape: a Python number, shaped ()."""
    if isinstance(node, gast.Constant):
        return True
    if isinstance(node, gast.Subscript) and isinstance(node.value, gast.Attribute):
        return node.value.attr == "shape" and not isinstance(node.slice, gast.Slice)
    if isinstance(node, gast.Attribute):
        return node.attr in ("ndim", "size")
    return (isinstance(node, gast.Call) and isinstance(node.func, gast.Name)
            and node.func.id == "len")


def _loop_targets(function):
    return {s.target for s in ir.walk(function.body) if isinstance(s, ir.For) and s.target}


def _unknown_writes(function):
    """Names set by ``a, b = helper(x)`` or by a statement kept as written: shapes not known."""
    names = set()
    for s in ir.walk(function.body):
        if isinstance(s, ir.Unpack):
            names |= set(s.targets)
        elif isinstance(s, ir.Raw):
            names |= set(s.writes)
    return names


def _only_operand(a):
    """``u`` when ``a`` is ``target = <elementwise rule>(u, constants...)`` or a copy of ``u``."""
    op = a.op
    if a.index is not None or op is None:
        return None
    if op.kind == "copy":
        x = op.bound.get("x")
        return x.id if isinstance(x, gast.Name) else None
    if op.kind != "rule" or not op.rule.elementwise:
        return None
    names = [atom for atom in op.bound.values() if not _is_numeric_literal(atom)]
    return names[0].id if len(names) == 1 and isinstance(names[0], gast.Name) else None


def _is_numeric_literal(node):
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, (gast.USub, gast.UAdd)):
        node = node.operand
    return (isinstance(node, gast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool))


def _is_none(node):
    return node is None or (isinstance(node, gast.Constant) and node.value is None)


def _is_false(node):
    return isinstance(node, gast.Constant) and node.value is False

