"""Central differences, to check derivatives against.

>>> import numpy as np
>>> from tangent_ad._doc_examples import square_sum
>>> numerical_grad(square_sum, np.array([2.0, 3.0]))
array([4., 6.])
"""
import numpy as np

from . import structured
from .api import grad
from .front import pytrees
from .targets import parameters, unwrap, wrt_names


def numerical_grad(f, *args, wrt=0, h=1e-5):
    """The central-difference gradient ``(f(x + h) - f(x - h)) / 2h`` of scalar ``f``.

    A dict, list or tuple argument gets a gradient of its structure (None at a leaf that is
    not a float); ``f`` may be a bound method or a partial (``wrt`` counts what is left)."""
    if structured.needs_structure(f):
        target = structured.Target(f, wrt)
        positions, as_tuple = [target.visible.index(n) for n in target.names], target.as_tuple
    else:
        f = unwrap(f)
        names, as_tuple = wrt_names(f, wrt)
        positions = [parameters(f).index(name) for name in names]
    grads = [_tree_difference(f, list(args), position, h) for position in positions]
    return tuple(grads) if as_tuple else grads[0]


def _tree_difference(f, args, position, h):
    """Central differences for each float leaf of ``args[position]``, in its structure."""
    value = args[position]
    if not pytrees.is_tree(value):
        return _central_difference(f, args, position, h)
    spec = pytrees.describe(value, True)
    leaves, kinds = pytrees.flatten(value, spec), pytrees.leaf_specs(spec)
    grads = []
    for index, kind in enumerate(kinds):
        if kind != pytrees.LEAF:
            grads.append(None)
            continue

        def of_leaf(leaf, index=index):
            changed = list(leaves)
            changed[index] = leaf
            return f(*args[:position], pytrees.build(spec, changed), *args[position + 1:])
        grads.append(_central_difference(of_leaf, [leaves[index]], 0, h))
    return pytrees.build(spec, grads)


def _central_difference(f, args, position, h):
    x = args[position]
    if not hasattr(x, "shape") or x.shape == ():
        plus = args[:position] + [x + h] + args[position + 1:]
        minus = args[:position] + [x - h] + args[position + 1:]
        return float((f(*plus) - f(*minus)) / (2 * h))
    out = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        shifted = x.copy()
        shifted[index] = x[index] + h
        up = f(*(args[:position] + [shifted] + args[position + 1:]))
        shifted[index] = x[index] - h
        down = f(*(args[:position] + [shifted] + args[position + 1:]))
        out[index] = (up - down) / (2 * h)
    return out


def check_grad(f, *args, wrt=0, rtol=1e-6, h=1e-5):
    """Compare ``grad(f)`` with central differences; return the relative error.

    Raises AssertionError, showing both gradients, when the error is over ``rtol``.
    """
    as_tuple = isinstance(wrt, (tuple, list))
    analytic = grad(f, wrt)(*args)
    numeric = numerical_grad(f, *args, wrt=wrt, h=h)
    if not as_tuple:
        analytic, numeric = (analytic,), (numeric,)
    worst = 0.0
    for a, n in zip(_leaves(analytic), _leaves(numeric)):
        difference = _norm(a - n)
        scale = max(_norm(a), _norm(n))
        worst = max(worst, difference / scale if scale > 0 else difference)
    if worst > rtol:
        raise AssertionError(
            f"gradient check failed: relative error {worst:.3g} > rtol={rtol:g}\n"
            f"  tangent_ad gradient:   {analytic if as_tuple else analytic[0]!r}\n"
            f"  central differences:   {numeric if as_tuple else numeric[0]!r}")
    return worst


def _leaves(values):
    """The float leaves of a tuple of gradients, each maybe a dict, list or tuple (None left out)."""
    out = []
    for value in values:
        if pytrees.is_tree(value):
            out += [leaf for leaf in pytrees.flatten(value, pytrees.describe(value, True)) if leaf is not None]
        else:
            out.append(value)
    return out


def _norm(x):
    return float(np.sqrt(np.sum(x * np.conj(x)).real)) if hasattr(x, "shape") else abs(x)
