"""Where a value could leave a function other than through its result.

A differentiated value stored into a module-level array (``BUF[0] = x``), appended to a
module-level list (``LOG.append(x)``) or handed to a helper that does so can be read back
by another function, where tangent_ad cannot follow it: that code would see a constant.
The flattening step refuses such a flow (see ``Flattener._check_escape``); this module
finds the module-level values a statement changes, and the helpers that put their
arguments into one.

>>> import numpy as np
>>> from tangent_ad._doc_examples import square_sum
>>> leaks_arguments(square_sum)
False
"""
import collections
import inspect

import gast
import numpy as np

from .. import rules

# methods of a value that never change it
READ_ONLY_METHODS = {"copy", "astype", "item", "tolist", "count", "index", "get", "keys", "values",
                     "items", "conj", "conjugate", "view"} | rules.NONDIFFERENTIABLE_METHODS
# values a method call may change in place
_MUTABLE = (list, dict, set, bytearray, collections.deque, np.ndarray)


def bound_names(node):
    """Names a function binds itself (parameters and assignments), not its globals."""
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, (gast.Store, gast.Param, gast.Del))}


def stored_roots(statement):
    """(target node, root name) of every ``x[i] = v`` / ``x.a = v`` / ``x[i] += v`` in a statement."""
    targets = getattr(statement, "targets", None) or (
        [statement.target] if isinstance(statement, (gast.AugAssign, gast.AnnAssign)) else [])
    found = []
    for target in targets:
        for part in gast.walk(target):
            if isinstance(part, (gast.Subscript, gast.Attribute)) and isinstance(part.ctx, gast.Store):
                root = part
                while isinstance(root, (gast.Subscript, gast.Attribute)):
                    root = root.value
                if isinstance(root, gast.Name):
                    found.append((part, root.id))
    return found


def changed_global(call, bound, resolve):
    """The module-level value ``call`` changes in place (``LOG.append(v)``), or None."""
    func = call.func
    if not isinstance(func, gast.Attribute) or func.attr in READ_ONLY_METHODS:
        return None
    root = func.value
    while isinstance(root, (gast.Subscript, gast.Attribute)):
        root = root.value
    if not isinstance(root, gast.Name) or root.id in bound:
        return None
    receiver = resolve(root.id)
    if isinstance(receiver, _MUTABLE) and func.attr not in rules.METHODS:
        return root.id
    return None


_leaks = {}


def leaks_arguments(func):
    """Whether the Python function ``func`` may put a value computed from its arguments into
    module-level state: a store into a module-level array, a module-level list's append, a
    ``global`` statement, or a call passing such a value to a function that does. (Counting
    calls in a module-level list, ``CALLS.append(1)``, is not a leak.) Unreadable source
    counts as no: such a call is refused or differentiated elsewhere."""
    from .parsing import parse_function    # parsing imports what this module's callers need
    key = (func, func.__code__)              # a swapped __code__ is another function
    if key in _leaks:
        return _leaks[key]
    _leaks[key] = False                      # while we look (recursion)
    try:
        parsed = parse_function(func)
    except Exception:  # noqa: BLE001 - no source: the call is refused or differentiated elsewhere
        return False
    bound = bound_names(parsed.node)
    derived = _derived_from_arguments(parsed.node, set(parsed.params))

    def carries(expr):
        return bool(_read_names(expr) & derived)

    found = False
    for node in gast.walk(parsed.node):
        if isinstance(node, (gast.Global, gast.Nonlocal)):
            found = True
        elif isinstance(node, (gast.Assign, gast.AugAssign, gast.AnnAssign)) and node.value is not None:
            found = carries(node.value) and any(root not in bound for _, root in stored_roots(node))
        elif isinstance(node, gast.Call):
            operands = list(node.args) + [k.value for k in node.keywords]
            if any(carries(a) for a in operands):
                callee = _resolve(node.func, bound, parsed.resolve)
                found = changed_global(node, bound, parsed.resolve) is not None or (
                    inspect.isfunction(callee) and rules.rule_for(callee) is None
                    and leaks_arguments(callee))
        if found:
            break
    _leaks[key] = found
    return found


def _read_names(node):
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


def _derived_from_arguments(function_node, params):
    """Names whose value may be computed from ``params`` (by assignment, in any order)."""
    derived = set(params)
    assignments = []
    for node in gast.walk(function_node):
        if isinstance(node, (gast.Assign, gast.AugAssign, gast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, gast.Assign) else [node.target]
            written = {n.id for t in targets for n in gast.walk(t) if isinstance(n, gast.Name)}
            assignments.append((written, _read_names(node.value)))
        elif isinstance(node, gast.For):
            written = {n.id for n in gast.walk(node.target) if isinstance(n, gast.Name)}
            assignments.append((written, _read_names(node.iter)))
    changed = True
    while changed:
        changed = False
        for written, read in assignments:
            if read & derived and not written <= derived:
                derived |= written
                changed = True
    return derived


def _resolve(expr, bound, resolve):
    if isinstance(expr, gast.Name):
        return None if expr.id in bound else resolve(expr.id)
    if isinstance(expr, gast.Attribute):
        base = _resolve(expr.value, bound, resolve)
        return getattr(base, expr.attr, None) if base is not None else None
    return None
