"""Rules users register for their own or third-party functions.

``jvp(*args, *tangents)`` returns the tangent of the result, given the
arguments and one tangent per argument (zeros for arguments that are not
differentiated). ``vjp(g, *args)`` returns the adjoint of each argument given
the result's adjoint ``g``: one value for a function of one argument, a tuple
otherwise (``None`` for an argument with no derivative). tangent_ad calls them
in the code it generates, exactly where the function is called.

>>> import numpy as np
>>> def softplus(x):
...     return np.log1p(np.exp(x))
>>> def softplus_jvp(x, x_dot):
...     return x_dot / (1 + np.exp(-x))
>>> def softplus_vjp(g, x):
...     return g / (1 + np.exp(-x))
>>> softplus = custom_rule(softplus, jvp=softplus_jvp, vjp=softplus_vjp)
>>> registered(softplus).modes
('forward', 'reverse')
"""
import inspect
import threading
import weakref

from .kinds import Custom

_rules = weakref.WeakKeyDictionary()
_by_id = {}                 # for callables that cannot be weakly referenced (builtins, ufuncs)
_lock = threading.Lock()
registrations = object()    # replaced at each registration: derivatives made before are made again


def custom_rule(func=None, *, jvp=None, vjp=None):
    """Register how to differentiate ``func``: its forward rule ``jvp`` and reverse rule ``vjp``.

    Use it as a call (``custom_rule(scipy.special.erf, jvp=..., vjp=...)``) or as a
    decorator (``@custom_rule(jvp=..., vjp=...)``). Returns ``func`` unchanged. Give at
    least one of the two rules; a mode whose rule is missing raises an error naming it.
    """
    if func is None:
        return lambda f: custom_rule(f, jvp=jvp, vjp=vjp)
    if jvp is None and vjp is None:
        raise TypeError("custom_rule needs jvp=, vjp= or both")
    for rule_func, name in ((jvp, "jvp"), (vjp, "vjp")):
        if rule_func is not None and not callable(rule_func):
            raise TypeError(f"custom_rule: {name} must be a function, not {type(rule_func).__name__}")
    global registrations
    rule = Custom(func, _parameters(func), jvp=jvp, vjp=vjp)
    with _lock:
        try:
            _rules[func] = rule
        except TypeError:
            _by_id[id(func)] = (func, rule)
        registrations = object()
    return func


def _parameters(func):
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return ("x",)       # a builtin without a signature: one argument
    names = []
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            break
        names.append(p.name)
    return tuple(names)


def registered(func):
    """The rule registered for ``func``, or None."""
    try:
        rule = _rules.get(func)
    except TypeError:
        rule = None
    if rule is None:
        found = _by_id.get(id(func))
        if found is not None and found[0] is func:
            rule = found[1]
    return rule


def all_rules():
    return list(_rules.values()) + [rule for _, rule in _by_id.values()]
