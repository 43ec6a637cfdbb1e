"""Which local names may share memory with each other.

NumPy's ``x += v``, ``x[i] = v``, ``x.fill(v)`` and ``np.copyto(x, v)`` change an
array in place, so every other name for the same memory sees the change. The
transformer writes ``x = x + v`` instead, which is right only when nothing else
shares ``x``'s memory. This module groups names that may share memory:
``z = y`` (the same array), ``v = y[0:2]`` and ``t = y.T`` (views), and
``r = helper(y)`` (a function may return its argument). Arithmetic, ufuncs,
reductions and matrix products always make new arrays.

A Python float, int or bool and a NumPy scalar are immutable: ``z = a; z += v`` binds
``z`` to a new value and leaves ``a`` as it was. Names that always hold such a scalar
(``kinds.py``: constants, ``float(...)``, ``len(...)``, arithmetic on scalars, and the
parameters the call passes a scalar to, ``scalars``) never share memory.

>>> import gast
>>> from tangent_ad.ir import nodes as ir
>>> tree = gast.parse("z = y\\nw = y * 2")
>>> body = [ir.Assign(s.targets[0].id, s.value) for s in tree.body]
>>> groups = AliasGroups(body, resolve=lambda name: None)
>>> groups.group("z") == {"y", "z"}, groups.group("w")
(True, {'w'})
>>> groups.group("z", body[0])      # before z = y runs, z shares nothing
{'z'}
"""
import inspect

import gast
import numpy as np

from ..ir import nodes as ir
from .. import rules
from .kinds import NUMPY_ONLY, scalar_names, scalar_parameters, scalars_of  # noqa: F401 - used from here
from . import kinds

# functions whose result is always a new array
_FRESH = {np.sum, np.mean, np.dot, np.matmul, np.where, np.zeros_like, np.ones_like, np.full_like,
          np.empty_like, np.copy, np.array, np.concatenate, np.stack, np.outer, np.inner, np.prod,
          np.max, np.min, np.var, np.std, np.cumsum, np.cumprod}
_FRESH_METHODS = {"sum", "mean", "dot", "copy", "max", "min", "prod", "var", "std", "cumsum",
                  "cumprod", "round", "clip"}


class AliasGroups:
    """For each statement, which names may share memory just before it runs.

    Flow-sensitive: ``y = x`` makes ``y`` share ``x``'s memory until ``y`` is
    assigned a new array. Where branches join, the groups of both are merged;
    a loop is followed until its groups stop growing. A parameter starts out
    sharing memory with the caller's argument, written ``@name``.
    """

    def __init__(self, statements, resolve, params=(), returned_copies=False, scalars=frozenset()):
        self.resolve = resolve
        self.scalars = scalar_names(statements, resolve, params, scalars)   # never share memory
        self.returned_copies = returned_copies   # count ``return x`` copies (for a callee's result)
        self.at = {}                             # id(statement) -> groups just before it
        start = {p: frozenset([p, "@" + p]) for p in params if p not in self.scalars}
        self.final = self._block(statements, start)

    def group(self, name_, statement=None):
        """Names (and ``@param`` memories) that may share memory with ``name_`` before ``statement``."""
        state = self.final if statement is None else self.at.get(id(statement), self.final)
        return set(state.get(name_, frozenset([name_])))

    # ------------------------------------------------------------ transfer
    def _block(self, statements, state):
        for s in statements:
            self.at[id(s)] = state
            state = self._statement(s, state)
        return state

    def _statement(self, s, state):
        if isinstance(s, ir.Assign):
            if isinstance(s.origin, gast.Return) and not self.returned_copies:
                return state        # the returned value: nothing runs after it to change it
            if s.augmented:
                return state        # x op= v changes x in place: the memory it shares stays
            return _assign(state, s.target, set() if s.target in self.scalars else self.sources(s.value))
        if isinstance(s, ir.Unpack):
            sources = self.sources(s.value)
            callee = self._resolve(s.value.func) if isinstance(s.value, gast.Call) else None
            fresh = inspect.isfunction(callee) and returns_new_arrays(callee)
            for target in s.targets:
                together = set() if fresh else set(s.targets[:s.targets.index(target)])
                state = _assign(state, target, sources | together)
            return state
        if isinstance(s, ir.Raw):
            node = s.node
            if isinstance(node, gast.Assign) and all(isinstance(t, (gast.Name, gast.Tuple, gast.List))
                                                     for t in node.targets):
                sources = self.sources(node.value)
                for target in s.writes:
                    state = _assign(state, target, sources)
            return state             # x[i] = v, x += v, calls: the memory shared stays as it was
        if isinstance(s, ir.If):
            return _merge(self._block(s.body, state), self._block(s.orelse, state))
        if isinstance(s, (ir.While, ir.For)):
            head = state
            for _ in range(20):
                entry = head
                if isinstance(s, ir.For):
                    targets = {s.target} if s.target else ir.written_names(s.origin.target)
                    for target in targets:
                        entry = _assign(entry, target, set() if target in self.scalars else self.sources(s.iter))
                end = self._block(s.body, entry)
                merged = _merge(head, end)
                if merged == head:
                    break
                head = merged
            return head
        return state

    def sources(self, value):
        """Names whose memory the value of ``value`` may share (never a scalar's)."""
        return self._sources(value) - self.scalars

    def _sources(self, value):
        if isinstance(value, gast.Name):
            return {value.id}
        if isinstance(value, (gast.Subscript, gast.Attribute)):
            root = ir.root_name(value)
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
                root = ir.root_name(func.value)
                return {root} if root else set()
        callee = self._resolve(func)
        if callee is not None and (isinstance(callee, np.ufunc) or _is_in(callee, _FRESH)
                                   or rules.is_nondifferentiable(callee)):
            return set()
        rule = rules.rule_for(callee) if callee is not None else None
        if rule is not None and rule.name not in rules.VIEW_RULES:
            return set()                           # a reduction, a product, np.roll...: a new array
        if inspect.isfunction(callee) and returns_new_arrays(callee):
            return set()
        names = set()
        for arg in list(call.args) + [k.value for k in call.keywords]:
            if isinstance(arg, gast.Name):
                names.add(arg.id)
            elif isinstance(arg, (gast.Subscript, gast.Attribute)) and ir.root_name(arg):
                names.add(ir.root_name(arg))
        return names

    def _resolve(self, expr):
        if isinstance(expr, gast.Name):
            return self.resolve(expr.id)
        if isinstance(expr, gast.Attribute):
            base = self._resolve(expr.value)
            return getattr(base, expr.attr, None) if base is not None else None
        return None


def is_scalar(expr, groups):
    """Whether ``expr`` always gives a scalar, by the names ``groups`` (an AliasGroups) knows."""
    return kinds.is_scalar(expr, groups.scalars, groups.resolve)


def _assign(state, target, sources):
    """Groups after ``target`` is bound to a value sharing the memory of ``sources``."""
    state = dict(state)
    old = state.get(target, frozenset([target]))
    group = {target}
    if target in sources:           # x = x.T: still x's old memory
        group |= old
    else:
        for member in old - {target}:
            if member in state:
                state[member] = state[member] - {target}
    for source in sources - {target}:
        group |= state.get(source, frozenset([source]))
    group = frozenset(group)
    for member in group:
        if not member.startswith("@"):
            state[member] = group
    return state


def _merge(first, second):
    """Groups where two paths join: names that may share memory on either path."""
    parent = {}

    def find(n):
        parent.setdefault(n, n)
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for state in (first, second):
        for name_, group in state.items():
            for member in group:
                parent[find(member)] = find(name_)
    names = set(first) | set(second)
    components = {}
    for n in parent:
        components.setdefault(find(n), set()).add(n)
    return {n: frozenset(components[find(n)]) for n in names}


def _groups_of(func, returned_copies=False):
    """(normalized function, its AliasGroups with ``@param`` memories), or None if unreadable."""
    from ..errors import TransformError
    from ..ir.naming import Names
    from .normalize import desugar
    from .parsing import parse_function
    try:
        parsed = parse_function(func)
        function = desugar(parsed, Names({n.id for n in gast.walk(parsed.node) if isinstance(n, gast.Name)}))
    except (TransformError, TypeError):
        return None
    local = set(function.params) | ir.writes(function.body)

    def resolve(name_):
        return None if name_ in local else parsed.resolve(name_)

    return function, AliasGroups(function.body, resolve, params=function.params,
                                 returned_copies=returned_copies)


_returns_new = {}


def returns_new_arrays(func):
    """Whether every value ``func`` returns is a new array (never memory of an argument)."""
    if func in _returns_new:
        return _returns_new[func]
    _returns_new[func] = False            # while we look (recursion): assume it may share
    found = _groups_of(func, returned_copies=True)
    if found is None:
        return False
    function, groups = found
    memories = {"@" + p for p in function.params}
    fresh = not any(groups.group(r) & memories for r in function.results)
    _returns_new[func] = fresh
    return fresh


_mutates = {}


def mutates_arguments(func):
    """Whether ``func`` may change an argument's array in place (``p *= 2``, ``p[0] = v``)."""
    return bool(mutated_parameters(func))


def mutated_parameters(func):
    """The parameters of ``func`` whose array it may change in place (``p *= 2``, ``p[0] = v``,
    also through another name for the same memory): a caller passing a new array there
    (``h(x * 2.0)``) or a scalar sees nothing change."""
    if func in _mutates:
        return _mutates[func]
    _mutates[func] = frozenset()
    found = _groups_of(func)
    if found is None:
        return frozenset()
    function, groups = found
    memories = {"@" + p for p in function.params}
    changed = set()
    for s in ir.walk(function.body):
        written = []
        if isinstance(s, ir.Assign) and s.augmented:
            written.append(s.target)
        elif isinstance(s, ir.Raw):
            node = s.node
            targets = getattr(node, "targets", None) or ([node.target] if hasattr(node, "target") else [])
            for target in targets:
                if isinstance(target, (gast.Subscript, gast.Attribute)) or isinstance(node, gast.AugAssign):
                    written.append(ir.root_name(target))
        for name_ in written:
            if name_:
                changed |= {m[1:] for m in groups.group(name_, s) & memories}
    _mutates[func] = frozenset(changed)
    return _mutates[func]


def _is_in(obj, collection):
    try:
        return obj in collection
    except TypeError:
        return False
