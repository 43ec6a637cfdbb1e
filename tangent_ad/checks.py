"""Central differences, to check derivatives against.

>>> import numpy as np
>>> from tangent_ad._doc_examples import square_sum
>>> numerical_grad(square_sum, np.array([2.0, 3.0]))
array([4., 6.])
"""
import numpy as np

from .api import grad
from .targets import parameters, unwrap, wrt_names


def numerical_grad(f, *args, wrt=0, h=1e-5):
    """The central-difference gradient ``(f(x + h) - f(x - h)) / 2h`` of scalar ``f``."""
    f = unwrap(f)
    names, as_tuple = wrt_names(f, wrt)
    params = parameters(f)
    grads = [_central_difference(f, list(args), params.index(name), h) for name in names]
    return tuple(grads) if as_tuple else grads[0]


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
    names, as_tuple = wrt_names(unwrap(f), wrt)
    analytic = grad(f, wrt)(*args)
    numeric = numerical_grad(f, *args, wrt=wrt, h=h)
    if not as_tuple:
        analytic, numeric = (analytic,), (numeric,)
    worst = 0.0
    for a, n in zip(analytic, numeric):
        difference = _norm(a - n)
        scale = max(_norm(a), _norm(n))
        worst = max(worst, difference / scale if scale > 0 else difference)
    if worst > rtol:
        raise AssertionError(
            f"gradient check failed: relative error {worst:.3g} > rtol={rtol:g}\n"
            f"  tangent_ad gradient:   {analytic if as_tuple else analytic[0]!r}\n"
            f"  central differences:   {numeric if as_tuple else numeric[0]!r}")
    return worst


def _norm(x):
    return float(np.sqrt(np.sum(x * np.conj(x)).real)) if hasattr(x, "shape") else abs(x)
