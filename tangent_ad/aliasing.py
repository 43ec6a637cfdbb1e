"""Which local names may share memory with each other.

NumPy's ``x += v``, ``x[i] = v``, ``x.fill(v)`` and ``np.copyto(x, v)`` change an
array in place, so every other name for the same memory sees the change. The
transformer writes ``x = x + v`` instead, which is right only when nothing else
shares ``x``'s memory. This module groups names that may share memory:
``z = y`` (the same array), ``v = y[0:2]`` and ``t = y.T`` (views), and
``r = helper(y)`` (a function may return its argument). Arithmetic, ufuncs,
reductions and matrix products always make new arrays.

>>> import gast
>>> from tangent_ad import ir
>>> tree = gast.parse("z = y\\nw = y * 2")
>>> body = [ir.Assign(s.targets[0].id, s.value) for s in tree.body]
>>> groups = AliasGroups(body, resolve=lambda name: None)
>>> groups.group("z") == {"y", "z"}, groups.group("w")
(True, {'w'})
"""
import inspect

import gast
import numpy as np

from . import ir, rules

# functions whose result is always a new array
_FRESH = {np.sum, np.mean, np.dot, np.matmul, np.where, np.zeros_like, np.ones_like, np.full_like,
          np.empty_like, np.copy, np.array, np.concatenate, np.stack, np.outer, np.inner, np.prod,
          np.max, np.min, np.var, np.std, np.cumsum, np.cumprod}
_FRESH_METHODS = {"sum", "mean", "dot", "copy", "max", "min", "prod", "var", "std", "cumsum",
                  "cumprod", "round", "clip"}


class AliasGroups:
    """Union of names connected by assignments that may share memory."""

    def __init__(self, statements, resolve, returned_copies=False):
        self.resolve = resolve
        self.returned_copies = returned_copies   # count ``return x`` copies (for a callee's result)
        self.parent = {}
        self._visit(statements)

    def _find(self, name_):
        self.parent.setdefault(name_, name_)
        while self.parent[name_] != name_:
            self.parent[name_] = self.parent[self.parent[name_]]
            name_ = self.parent[name_]
        return name_

    def _join(self, a, b):
        self.parent[self._find(a)] = self._find(b)

    def group(self, name_):
        """Every name that may share memory with ``name_`` (itself included)."""
        root = self._find(name_)
        return {n for n in self.parent if self._find(n) == root}

    def _visit(self, statements):
        for s in statements:
            if isinstance(s, ir.Assign) and isinstance(s.origin, gast.Return) and not self.returned_copies:
                continue        # the returned value: nothing runs after it to change it
            if isinstance(s, ir.Assign):
                for source in self.sources(s.value):
                    self._join(s.target, source)
            elif isinstance(s, ir.Unpack):
                for target in s.targets:
                    for source in self.sources(s.value):
                        self._join(target, source)
            elif isinstance(s, ir.Raw):
                value = getattr(s.node, "value", None)
                for target in s.writes:
                    for source in self.sources(value) if value is not None else ():
                        self._join(target, source)
            elif isinstance(s, ir.For):
                targets = {s.target} if s.target else ir.written_names(s.origin.target)
                for target in targets:
                    for source in self.sources(s.iter):
                        self._join(target, source)
            for block in _blocks(s):
                self._visit(block)

    def sources(self, value):
        """Names whose memory the value of ``value`` may share."""
        if isinstance(value, gast.Name):
            return {value.id}
        if isinstance(value, (gast.Subscript, gast.Attribute)):
            root = _root_name(value)
            return {root} if root else set()
        if isinstance(value, gast.IfExp):
            return self.sources(value.body) | self.sources(value.orelse)
        if isinstance(value, (gast.Tuple, gast.List)):
            return set().union(*(self.sources(e) for e in value.elts)) if value.elts else set()
        if isinstance(value, gast.Call):
            return self._call_sources(value)
        return set()       # arithmetic, comparisons, constants: new values

    def _call_sources(self, call):
        func = call.func
        if isinstance(func, gast.Attribute):
            callee = self._resolve(func.value)
            if callee is None:                     # a method of a value: x.reshape(...), x.T
                if func.attr in _FRESH_METHODS:
                    return set()
                root = _root_name(func.value)
                return {root} if root else set()
        callee = self._resolve(func)
        if callee is not None and (isinstance(callee, np.ufunc) or _is_in(callee, _FRESH)
                                   or rules.is_nondifferentiable(callee)):
            return set()
        if inspect.isfunction(callee) and returns_new_arrays(callee):
            return set()
        names = set()
        for arg in list(call.args) + [k.value for k in call.keywords]:
            if isinstance(arg, gast.Name):
                names.add(arg.id)
            elif isinstance(arg, (gast.Subscript, gast.Attribute)) and _root_name(arg):
                names.add(_root_name(arg))
        return names

    def _resolve(self, expr):
        if isinstance(expr, gast.Name):
            return self.resolve(expr.id)
        if isinstance(expr, gast.Attribute):
            base = self._resolve(expr.value)
            return getattr(base, expr.attr, None) if base is not None else None
        return None


_returns_new = {}


def returns_new_arrays(func):
    """Whether every value ``func`` returns is a new array (never memory of an argument)."""
    if func in _returns_new:
        return _returns_new[func]
    _returns_new[func] = False            # while we look (recursion): assume it may share
    from .errors import TransformError
    from .naming import Names
    from .normalize import desugar
    from .parsing import parse_function
    try:
        parsed = parse_function(func)
        function = desugar(parsed, Names({n.id for n in gast.walk(parsed.node) if isinstance(n, gast.Name)}))
    except (TransformError, TypeError):
        return False
    local = set(function.params) | ir.writes(function.body)

    def resolve(name_):
        if name_ in local:
            return None
        obj = parsed.resolve(name_)
        return None if obj is _missing() else obj

    groups = AliasGroups(function.body, resolve, returned_copies=True)
    fresh = not any(groups.group(r) & set(function.params) for r in function.results)
    _returns_new[func] = fresh
    return fresh


def _missing():
    from .parsing import _MISSING
    return _MISSING


def _is_in(obj, collection):
    try:
        return obj in collection
    except TypeError:
        return False


def _root_name(node):
    while isinstance(node, (gast.Subscript, gast.Attribute)):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


def _blocks(s):
    if isinstance(s, ir.If):
        return [s.body, s.orelse]
    if isinstance(s, (ir.While, ir.For)):
        return [s.body]
    return []
