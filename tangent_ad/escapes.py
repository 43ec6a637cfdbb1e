"""Where a value could leave a function other than through its result.

A differentiated value stored into a module-level array (``BUF[0] = x``), appended to a
module-level list (``LOG.append(x)``) or handed to a helper that does so can be read back
by another function, where tangent_ad cannot follow it: that code would see a constant.
The flattening step refuses such a flow (see ``Flattener._check_escape``); this module
finds the module-level values a statement or a helper changes.

>>> import numpy as np
>>> from tangent_ad._doc_examples import square_sum
>>> changes_module_state(square_sum)
False
"""
import collections
import inspect

import gast
import numpy as np

from . import rules

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


_changes = {}


def changes_module_state(func):
    """Whether the Python function ``func`` (or a function it calls) may change a module-level
    value in place. Unreadable source counts as no: such a call is refused elsewhere."""
    from .parsing import parse_function      # parsing imports what this module's callers need
    key = (func, func.__code__)              # a swapped __code__ is another function
    if key in _changes:
        return _changes[key]
    _changes[key] = False                    # while we look (recursion)
    try:
        parsed = parse_function(func)
    except Exception:  # noqa: BLE001 - no source: the call is refused or differentiated elsewhere
        return False
    bound = bound_names(parsed.node)
    found = False
    for node in gast.walk(parsed.node):
        if isinstance(node, (gast.Global, gast.Nonlocal)):
            found = True
        elif isinstance(node, (gast.Assign, gast.AugAssign, gast.AnnAssign)):
            found = any(root not in bound for _, root in stored_roots(node))
        elif isinstance(node, gast.Call):
            callee = _resolve(node.func, bound, parsed.resolve)
            found = changed_global(node, bound, parsed.resolve) is not None or (
                inspect.isfunction(callee) and changes_module_state(callee))
        if found:
            break
    _changes[key] = found
    return found


def _resolve(expr, bound, resolve):
    if isinstance(expr, gast.Name):
        return None if expr.id in bound else resolve(expr.id)
    if isinstance(expr, gast.Attribute):
        base = _resolve(expr.value, bound, resolve)
        return getattr(base, expr.attr, None) if base is not None else None
    return None
