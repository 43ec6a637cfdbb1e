"""Which local names always hold an immutable scalar, which never shares memory.

A Python float, int or bool and a NumPy scalar cannot be changed in place: ``z = a;
z += v`` binds ``z`` to a new value and leaves ``a`` as it was. ``aliasing.py`` keeps such
names out of its groups. A name qualifies when every value bound to it is a scalar: a
constant, ``float(...)``, ``len(...)``, ``x.shape[0]``, a ``math`` function, arithmetic or a
ufunc on scalars, a global holding one, or, for a parameter, what the call passes.

The call tells the kinds when the derivative is built (``api.py``, ``pipeline/cache.py``):
``scalars`` holds the parameters given a scalar, and, when every array argument is a NumPy
array (:data:`NUMPY_ONLY`), ``(NDIM, name, k)`` for each array parameter. NumPy then gives a
NumPy scalar for a reduction of a whole array (``np.sum(x)``, ``x.max()``), for an element
(``y[0]`` of a vector, ``A[i, j]``) and for arithmetic or a ufunc of 0-d values; a CuPy
array gives a 0-d array, which may be changed in place, so nothing of this is assumed then.

>>> import gast
>>> from tangent_ad.ir import nodes as ir
>>> body = [ir.Assign(s.targets[0].id, s.value) for s in gast.parse("a = 1.5\\nz = a * s\\nw = x").body]
>>> sorted(scalar_names(body, lambda name: None, params=("x", "s"), scalars={"s"}))
['a', 's', 'z']
"""
import contextlib
import contextvars
import inspect

import gast
import numpy as np

from ..ir import nodes as ir

NUMPY_ONLY = "*numpy"     # in ``scalars``: every array the call passes is a NumPy array
NDIM = "*ndim"            # (NDIM, parameter, its number of dimensions), with NUMPY_ONLY

# what gives an immutable scalar whatever it is given (math.* functions: a Python float or int)
_SCALAR_CALLS = {float, int, bool, complex, len}
_SCALAR_OF_SCALARS = {abs, min, max, pow, round}      # a scalar when every argument is one
_SCALAR_TYPES = (int, float, complex, bool, np.generic)
_SIZE_ATTRIBUTES = {"ndim", "size", "itemsize", "nbytes"}
# reductions of a whole NumPy array: a NumPy scalar
_WHOLE_REDUCTIONS = {np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.std, np.var,
                     np.linalg.norm, np.linalg.det, np.trace}
_WHOLE_REDUCTION_METHODS = {"sum", "mean", "prod", "max", "min", "std", "var"}
_MAKERS = {np.zeros, np.ones, np.empty}
# not ufuncs, but like one: of 0-d values, a NumPy scalar (np.where gives a 0-d array; max(a, b) gives a or b)
_ELEMENTWISE = {np.clip, np.round, np.around, np.sinc, np.fix, np.nan_to_num, abs, pow, round}
_VALUE_METHODS = {"clip", "round"}        # x.clip(a, b): elementwise on x
_PRODUCTS = {np.dot, np.inner}
# the rank of their (first) argument, but an array even when 0-d: never a scalar by rank
_SAME_RANK = {np.flip, np.real, np.imag, np.copy, np.array, np.asarray, np.fliplr, np.flipud, np.transpose,
              np.roll, np.sort}
_SAME_RANK_METHODS = {"copy", "conj", "conjugate"}
_TOP, _UNKNOWN = "top", None      # a rank not constrained yet; a rank not known

_SPECIALIZED = contextvars.ContextVar("tangent_ad_scalar_parameters", default=None)


@contextlib.contextmanager
def scalar_parameters(func, scalars):
    """While a derivative of ``func`` is built for a call that passes scalars to the parameters
    ``scalars`` (a frozenset of names), :func:`scalars_of` tells them (see ``pipeline/cache.py``)."""
    token = _SPECIALIZED.set((func, frozenset(scalars)) if scalars else None)
    try:
        yield
    finally:
        _SPECIALIZED.reset(token)


def scalars_of(func):
    """What the call being differentiated tells of ``func``'s parameters (empty when unknown:
    ``tad.source(f)``, a helper)."""
    specialized = _SPECIALIZED.get()
    return specialized[1] if specialized is not None and specialized[0] is func else frozenset()


def scalar_names(statements, resolve, params=(), scalars=frozenset()):
    """The local names that always hold a Python or NumPy scalar (see the module's docstring).

    Anything not known (an array store, a loop over an array of unknown rank) counts as
    possibly an array."""
    return _infer(statements, resolve, params, scalars)[1]


def _infer(statements, resolve, params, scalars):
    """(the _Kinds of the statements, the names always holding a scalar)."""
    values = {p: [] if p in scalars else [None] for p in params}   # None: of unknown kind
    stored = set()             # (statement, name) of stores into an array: its rank stays
    for s in ir.walk(statements):
        if isinstance(s, ir.Assign):
            values.setdefault(s.target, []).append(s.value if s.index is None else None)
            if s.index is not None:
                stored.add((len(values[s.target]) - 1, s.target))
        elif isinstance(s, ir.Unpack):
            for k, target in enumerate(s.targets):
                values.setdefault(target, []).append(_Part(s.value, k))
        elif isinstance(s, ir.Raw):
            targets = getattr(s.node, "targets", None) or [getattr(s.node, "target", None)]
            into = all(isinstance(t, gast.Subscript) for t in targets)     # x.shape = ...: not
            for target in s.writes:
                values.setdefault(target, []).append(None)
                if into:
                    stored.add((len(values[target]) - 1, target))
        elif isinstance(s, ir.For):
            counted = isinstance(s.iter, gast.Call) and _resolve_with(s.iter.func, resolve) is range
            # for i in range(n): an int; for row in y: what y[0] is (a NumPy scalar of a vector)
            each = gast.Constant(0, None) if counted else gast.Subscript(s.iter, gast.Constant(0, None), gast.Load())
            for target in {s.target} if s.target else ir.written_names(s.origin.target):
                values.setdefault(target, []).append(each if s.target else None)
    numpy = NUMPY_ONLY in scalars and not _reads_foreign_arrays(statements, values, resolve)
    kinds = _Kinds(values, resolve, numpy)
    if numpy:
        kinds.local = {n: [v for k, v in enumerate(vs) if (k, n) not in stored] for n, vs in values.items()}
        kinds.infer_ranks({entry[1]: entry[2] for entry in scalars if isinstance(entry, tuple)
                           and entry[0] == NDIM and entry[1] in params} | {p: 0 for p in scalars if p in params})
        kinds.local = values
    found = {n for n, v in values.items() if None not in v}
    changed = True
    while changed:
        changed = False
        for name_ in sorted(found):
            if not all(kinds.scalar(v, found) for v in values[name_]):
                found.discard(name_)
                changed = True
    return kinds, frozenset(found)


class _Part:
    """The ``index``-th value a call returns: ``a, b = helper(x)``."""

    def __init__(self, call, index):
        self.call = call
        self.index = index


_helpers = {}         # (function, code, what the call tells) -> [(rank, scalar)] of its results


def _helper_results(func, given):
    """[(rank, whether a scalar)] of each value the Python function ``func`` returns, for the
    parameters' kinds ``given`` (as ``scalars`` of :func:`scalar_names`); None if unknown."""
    from ..errors import TransformError
    from ..ir.naming import Names
    from .normalize import desugar
    from .parsing import parse_function
    key = (func, func.__code__, given)
    if key in _helpers:
        return _helpers[key]
    _helpers[key] = None                 # while we look (recursion): unknown
    try:
        parsed = parse_function(func)
        function = desugar(parsed, Names({n.id for n in gast.walk(parsed.node) if isinstance(n, gast.Name)}))
    except (TransformError, TypeError, OSError):
        return None
    local = set(function.params) | ir.writes(function.body)
    kinds, found = _infer(function.body, lambda n: None if n in local else parsed.resolve(n), function.params,
                          given)
    _helpers[key] = [(kinds.ranks.get(r, _UNKNOWN), r in found) for r in function.results]
    return _helpers[key]


class _Kinds:
    """The kind of an expression: an immutable scalar, and (NumPy arrays only) its rank."""

    def __init__(self, local, resolve, numpy):
        self.local = local
        self.resolve = resolve
        self.numpy = numpy
        self.ranks = {}

    def infer_ranks(self, given):
        """Each local name's number of dimensions, where all its values agree on one."""
        ranks = {n: given.get(n, _TOP) for n in self.local}
        changed = True
        while changed:
            changed = False
            self.ranks = ranks
            for name_, values in self.local.items():
                if name_ in given or ranks[name_] is _UNKNOWN:
                    continue
                found = {_UNKNOWN if v is None else self.rank(v) for v in values} - {_TOP}
                new = found.pop() if len(found) == 1 else _TOP if not found else _UNKNOWN
                if new != ranks[name_]:
                    ranks = {**ranks, name_: new}
                    changed = True
        self.ranks = {n: r for n, r in ranks.items() if isinstance(r, int)}

    def rank(self, node):
        """The number of dimensions of ``node``'s value; _TOP while a name is not constrained."""
        if isinstance(node, gast.Constant):
            return 0 if isinstance(node.value, _SCALAR_TYPES) else _UNKNOWN
        if isinstance(node, _Part) or isinstance(node, gast.Call) and _is_helper(self._callee(node)):
            return self._result(node, 0)
        if isinstance(node, gast.Name):
            if node.id in self.local:
                return self.ranks.get(node.id, _UNKNOWN)
            value = self.resolve(node.id)
            return 0 if isinstance(value, _SCALAR_TYPES) else value.ndim if type(value) is np.ndarray else _UNKNOWN
        parts = None
        if isinstance(node, gast.BinOp) and isinstance(node.op, gast.MatMult):
            return _product_rank(self.rank(node.left), self.rank(node.right))
        if isinstance(node, gast.BinOp):
            parts = [node.left, node.right]
        elif isinstance(node, gast.UnaryOp):
            parts = [node.operand]
        elif isinstance(node, gast.Compare):
            parts = [node.left] + list(node.comparators)
        elif isinstance(node, gast.Subscript):
            return self._element_rank(node)
        elif isinstance(node, gast.Call) and not node.keywords:
            callee = _resolve_with(node.func, self.resolve)
            method = node.func.attr if isinstance(node.func, gast.Attribute) else None
            if isinstance(callee, np.ufunc) or _is_in(callee, _ELEMENTWISE) or callee is np.where:
                parts = list(node.args)
            elif callee is None and method in _VALUE_METHODS:
                parts = [node.func.value] + list(node.args)
            elif _is_in(callee, _SAME_RANK) and node.args \
                    and (len(node.args) == 1 or callee in (np.roll, np.flip)):    # np.roll(x, 1)
                parts = node.args[:1]
            elif callee is None and method in _SAME_RANK_METHODS and not node.args:
                parts = [node.func.value]
            elif callee is np.vdot:
                return 0
            elif _is_in(callee, _PRODUCTS) and len(node.args) == 2:
                return _product_rank(self.rank(node.args[0]), self.rank(node.args[1]))
            elif self._scalar_call(node, lambda e: self.rank(e) == 0):
                return 0
            elif _is_in(callee, _MAKERS) and len(node.args) == 1:
                shape = node.args[0]
                return len(shape.elts) if isinstance(shape, gast.Tuple) else 1
        if not parts:
            return _UNKNOWN
        ranks = [self.rank(p) for p in parts]
        if _UNKNOWN in ranks:
            return _UNKNOWN
        known = [r for r in ranks if r is not _TOP]
        return max(known) if known else _TOP

    def _callee(self, call):
        # a, b = t unpacks a value held in a name (t = helper(x)), not a call
        return _resolve_with(call.func, self.resolve) if isinstance(call, gast.Call) else None

    def _result(self, node, part, found=None):
        """The rank (``part`` 0) or whether a scalar (1) of what a helper returns, by what the
        call passes it: ranks while ranks are inferred, scalars too once they are."""
        call, index = (node.call, node.index) if isinstance(node, _Part) else (node, None)
        func = self._callee(call)
        if not _is_helper(func) or any(isinstance(a, gast.Starred) for a in call.args):
            return _UNKNOWN
        try:
            bound = inspect.signature(func).bind(*call.args, **{k.arg: k.value for k in call.keywords if k.arg})
        except (TypeError, ValueError):
            return _UNKNOWN
        given = set()
        for param, arg in bound.arguments.items():
            if isinstance(arg, (tuple, dict)):
                return _UNKNOWN
            rank = self.rank(arg) if self.numpy else _UNKNOWN
            if rank is _TOP:
                return _TOP                    # not constrained yet (see infer_ranks)
            if isinstance(rank, int):
                given.add((NDIM, param, rank))
            if found is not None and self.scalar(arg, found):
                given.add(param)
        if self.numpy:
            given.add(NUMPY_ONLY)
        results = _helper_results(func, frozenset(given))
        if results is None or (index is None) != (len(results) == 1) or index is not None and index >= len(results):
            return _UNKNOWN
        return results[index or 0][part]

    def _makes_values(self, call):
        """A call that computes new values, a NumPy scalar when they are 0-d (not np.where, which
        gives a 0-d array, nor max(a, b), which gives a or b)."""
        callee = _resolve_with(call.func, self.resolve)
        method = call.func.attr if isinstance(call.func, gast.Attribute) else None
        return isinstance(callee, np.ufunc) or _is_in(callee, _ELEMENTWISE | _PRODUCTS | {np.vdot}) \
            or callee is None and method in _VALUE_METHODS

    def _element_rank(self, node):
        """``y[i]``, ``A[i, j]``: the rank left after integer indices (None for anything else)."""
        base = self.rank(node.value)
        index = node.slice.elts if isinstance(node.slice, gast.Tuple) else [node.slice]
        if not isinstance(base, int) or not all(self.scalar(i, ()) for i in index) or len(index) > base:
            return _UNKNOWN
        return base - len(index)

    def scalar(self, node, found):
        """Whether ``node`` always gives an immutable scalar (``found``: names known to hold one)."""
        def scalar(e):
            return self.scalar(e, found)

        if self.numpy and (isinstance(node, (gast.BinOp, gast.UnaryOp, gast.Compare, gast.Subscript))
                           or isinstance(node, gast.Call) and self._makes_values(node)) and self.rank(node) == 0:
            return True           # NumPy arithmetic, a ufunc or an element of 0-d values: a NumPy scalar
        if isinstance(node, gast.Constant):
            return isinstance(node.value, _SCALAR_TYPES)
        if isinstance(node, _Part) or isinstance(node, gast.Call) and _is_helper(self._callee(node)):
            return self._result(node, 1, found) is True
        if isinstance(node, gast.Name):
            if node.id in self.local:
                return node.id in found
            return isinstance(self.resolve(node.id), _SCALAR_TYPES)
        if isinstance(node, gast.BinOp):
            return scalar(node.left) and scalar(node.right)
        if isinstance(node, gast.UnaryOp):
            return scalar(node.operand)
        if isinstance(node, gast.BoolOp):
            return all(scalar(v) for v in node.values)
        if isinstance(node, gast.Compare):
            return scalar(node.left) and all(scalar(c) for c in node.comparators)
        if isinstance(node, gast.IfExp):
            return scalar(node.body) and scalar(node.orelse)
        if isinstance(node, gast.Attribute):
            return node.attr in _SIZE_ATTRIBUTES
        if isinstance(node, gast.Subscript):
            return isinstance(node.value, gast.Attribute) and node.value.attr == "shape"
        if isinstance(node, gast.Call):
            return self._scalar_call(node, scalar)
        return False

    def _scalar_call(self, node, scalar):
        method = node.func.attr if isinstance(node.func, gast.Attribute) else None
        callee = _resolve_with(node.func, self.resolve)
        numpy_only = self.numpy and not node.keywords and not (callee is None and node.args)
        if callee is None and (method == "item" and not node.args
                               or numpy_only and method in _WHOLE_REDUCTION_METHODS):
            return True                   # x.item(): a Python scalar; x.sum(): a NumPy scalar
        if numpy_only and _is_in(callee, _WHOLE_REDUCTIONS) and len(node.args) == 1:
            return True
        operands = list(node.args) + [k.value for k in node.keywords]
        if _is_in(callee, _SCALAR_CALLS) or getattr(callee, "__module__", None) == "math":
            return True
        if _is_in(callee, _SCALAR_OF_SCALARS) or isinstance(callee, np.ufunc) \
                or isinstance(callee, type) and issubclass(callee, np.generic):
            return bool(operands) and not node.keywords and all(scalar(a) for a in operands)
        return False


def _product_rank(first, second):
    """The rank of ``a @ b``, ``np.dot(a, b)`` or ``np.inner(a, b)`` of vectors and matrices."""
    if _TOP in (first, second):
        return _TOP if _UNKNOWN not in (first, second) else _UNKNOWN
    if not isinstance(first, int) or not isinstance(second, int) or max(first, second) > 2:
        return _UNKNOWN
    return max(first, second) if 0 in (first, second) else first + second - 2


def is_scalar(expr, scalars, resolve):
    """Whether ``expr`` always gives a Python scalar or one of the names ``scalars``."""
    return _Kinds({n: () for n in scalars}, resolve, False).scalar(expr, scalars)


def _reads_foreign_arrays(statements, local, resolve):
    """Whether the statements read a global array that is not a NumPy array (CuPy, Dask)."""
    for s in ir.walk(statements):
        for node in _nodes_of(s):
            for n in gast.walk(node):
                if isinstance(n, gast.Name) and n.id not in local:
                    kind = type(resolve(n.id))      # an array's class has shape and dtype, a module not
                    if hasattr(kind, "shape") and hasattr(kind, "dtype") \
                            and not issubclass(kind, (np.ndarray, np.generic)):
                        return True
    return False


def _nodes_of(s):
    return [getattr(s, a) for a in ("value", "node", "iter", "test", "index") if getattr(s, a, None) is not None]


def _is_helper(func):
    """A Python function of the user's (not NumPy's np.ones, which is one too)."""
    return inspect.isfunction(func) and (func.__module__ or "").split(".")[0] not in ("numpy", "scipy")


def _resolve_with(expr, resolve):
    if isinstance(expr, gast.Name):
        return resolve(expr.id)
    if isinstance(expr, gast.Attribute):
        base = _resolve_with(expr.value, resolve)
        return getattr(base, expr.attr, None) if base is not None else None
    return None


def _is_in(obj, collection):
    try:
        return obj in collection
    except TypeError:
        return False
