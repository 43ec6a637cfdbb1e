"""Caches kept on the function they are about, so that they live and die with it.

A cache keyed weakly by a function (a ``WeakKeyDictionary``) keeps that function alive
for good as soon as a cached value refers back to it, and derivatives and gradient
functions do (a gradient function calls its function; generated code may read it):
Python has no weak mapping whose values may point at their keys. A dict stored on the
function itself goes when the function goes (the cycle collector frees both).

Each dict is stored together with its function, so a copy of the function's ``__dict__``
(``functools.update_wrapper`` makes one for a wrapper) does not share it.

>>> def f(x):
...     return x
>>> cache(f, "example")["k"] = 1
>>> cache(f, "example")
{'k': 1}
>>> def wrapper(x):
...     return f(x)
>>> wrapper.__dict__.update(f.__dict__)
>>> cache(wrapper, "example")
{}
"""
import types


def cache(func, name):
    """The dict ``name`` that tangent_ad keeps on ``func``, made empty on first use; None for
    an object that takes no attributes (the caller then does without a cache)."""
    if isinstance(func, types.MethodType):      # its __dict__ is its function's
        return None
    attribute = f"_tangent_ad_{name}"
    try:
        kept = func.__dict__.get(attribute)
    except AttributeError:
        return None
    if kept is not None and kept[0] is func:
        return kept[1]
    made = {}
    try:
        func.__dict__[attribute] = (func, made)
    except TypeError:                           # a read-only __dict__ (a class's)
        return None
    return made
