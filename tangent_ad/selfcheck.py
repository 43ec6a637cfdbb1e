"""The opt-in self-check: ``check=True`` compares each derivative with central differences.

``tad.grad(f, check=True)``, ``tad.value_and_grad``, ``tad.jvp``, ``tad.vjp`` and
``@tad.differentiate(check=True)`` compute the derivative as usual, then, on every
call, the derivative along one direction against central differences of ``f``
along the same direction::

    (f(x + h v) - f(x - h v)) / 2h   against   <gradient, v>   (or the jvp's out_dot)

and raise :class:`CheckError`, naming the function, the two numbers and their
relative error, when they disagree. The direction is random for ``grad`` and
``vjp`` (for ``vjp``, the comparison is ``<out_bar, J v>`` against ``<f_vjp(out_bar), v>``)
and the given tangents for ``jvp``. It costs two more evaluations of ``f`` per
call; ``check=False``, the default, adds nothing.

The step ``h`` is ``eps ** (1/3)`` (the step that balances the truncation error of
central differences against rounding) times the size of the inputs, so that it
moves a large input as much, relatively, as a small one. The tolerance is relative,
``1e-4`` for float64. Lower precisions are checked too, not skipped, with a wider
tolerance: central differences in float32 are good to about ``eps ** (2/3)``
(``2e-5``), so the tolerance there is ``100 * eps ** (2/3)`` (about ``2e-3``); in
float16 it is so wide that only gross errors are caught. A function with a kink
(``abs``, ``maximum``) evaluated within ``h`` of it, or one that is not smooth at
the scale of ``h``, can fail the check although its derivative is right.
"""
import math
import random

import numpy as np

_random = random.Random()


class CheckError(AssertionError):
    """A derivative that disagrees with central differences of its function (``check=True``)."""


# ------------------------------------------------------------------ the checks
def checked_gradient(primal, gradient, signature, positions, as_tuple, return_value):
    """``gradient`` (made by tad.grad or tad.value_and_grad), checked on every call."""

    def checked(*args, **kwargs):
        result = gradient(*args, **kwargs)
        bound = signature.bind(args, kwargs)
        grads = result[1] if return_value else result
        grads = tuple(grads) if as_tuple else (grads,)
        inputs = [bound[p] for p in positions]
        directions = [_random_direction(x) for x in inputs]
        analytic = sum(_inner(g, v) for g, v in zip(grads, directions))
        numeric, noise = _central_difference(primal, bound, positions, directions, _inner_with(1.0))
        _compare(primal, "gradient", analytic, numeric, noise, inputs, "<gradient, v>")
        return result

    _like(checked, gradient)
    return checked


def check_jvp(primal, primals, tangents, chosen, out_dot):
    """Compare ``out_dot`` with central differences of ``primal`` along the tangents."""
    inputs = [primals[i] for i in chosen]
    size = max(_max_abs(tangents[i]) for i in chosen) or 1.0     # a zero tangent: out_dot must be 0
    directions = [tangents[i] / size for i in chosen]
    numeric, noise = _central_difference(primal, list(primals), chosen, directions, _as_is)
    analytic = _scaled(out_dot, 1.0 / size)
    difference = _norm(_subtract(analytic, numeric))
    scale = max(_norm(analytic), _norm(numeric))
    if _is_number(out_dot):     # one number: show the two numbers themselves
        shown, label = (float(out_dot), float(numeric) * size), "out_dot"
    else:
        shown, label = (_norm(out_dot), _norm(numeric) * size), "|out_dot| (the norm)"
    _compare_distance(primal, "jvp", difference, scale, noise, inputs, *shown, label)


def checked_vjp(primal, f_vjp, primals, chosen):
    """``f_vjp``, checked on every call: ``<f_vjp(u), v>`` against ``<u, J v>`` for a random v."""

    def checked(out_bar):
        cotangents = f_vjp(out_bar)
        inputs = [primals[i] for i in chosen]
        directions = [_random_direction(x) for x in inputs]
        analytic = sum(_inner(cotangents[i], v) for i, v in zip(chosen, directions))
        numeric, noise = _central_difference(primal, list(primals), chosen, directions,
                                             _inner_with(out_bar))
        _compare(primal, "vjp", analytic, numeric, noise, inputs, "<f_vjp(out_bar), v>")
        return cotangents

    return checked


# ------------------------------------------------------------ central differences
def _central_difference(primal, args, positions, directions, reduce):
    """``(reduce(f(x + h v)) - reduce(f(x - h v))) / 2h`` and the rounding noise of that
    difference, for a step ``h`` fitted to the inputs' size and precision."""
    inputs = [args[p] for p in positions]
    eps = _eps(inputs)
    h = eps ** (1 / 3) * max([1.0] + [_max_abs(x) for x in inputs])
    plus, minus = list(args), list(args)
    for p, x, v in zip(positions, inputs, directions):
        plus[p], minus[p] = x + h * v, x - h * v
    up, down = reduce(primal(*plus)), reduce(primal(*minus))
    numeric = _scaled(_subtract(up, down), 1.0 / (2 * h))
    noise = 100 * eps * (_norm(up) + _norm(down)) / (2 * h)
    return numeric, noise


def _tolerance(inputs):
    """Relative tolerance: 1e-4 in float64, wider where central differences are coarser."""
    return max(1e-4, 100 * _eps(inputs) ** (2 / 3))


def _compare(primal, what, analytic, numeric, noise, inputs, label):
    _compare_distance(primal, what, abs(analytic - numeric), max(abs(analytic), abs(numeric)), noise,
                      inputs, analytic, numeric, label)


def _compare_distance(primal, what, difference, scale, noise, inputs, analytic, numeric, label):
    rtol = _tolerance(inputs)
    if difference <= rtol * scale + noise or not math.isfinite(scale):
        return
    relative = difference / scale if scale > 0 else math.inf
    name = getattr(primal, "__qualname__", None) or getattr(primal, "__name__", repr(primal))
    raise CheckError(
        f"self-check of the {what} of {name} failed: along a direction v, tangent_ad gives "
        f"{label} = {analytic!r} and central differences of {name} give {numeric!r}: relative "
        f"error {relative:.3g} > {rtol:g}. The derivative is wrong (a custom rule, say), or "
        f"{name} is not smooth near these arguments (a kink of abs or maximum within the "
        "difference step)")


# ------------------------------------------------------------------ helpers
def _random_direction(x):
    """A direction shaped like ``x`` in ``x``'s own array library, entries in [-1, 1]."""
    a, b = _random.uniform(1.0, 7.0), _random.uniform(0.0, 2 * math.pi)
    if not hasattr(x, "shape"):
        return math.sin(a + b) or 1.0
    count = np.cumsum(np.reshape(np.ones_like(x), (-1,)))      # 1, 2, ..., n in x's library
    return np.reshape(np.sin(a * count + b), x.shape)


def _eps(inputs):
    """The machine epsilon of the least precise input (float64 for Python floats)."""
    eps = np.finfo(np.float64).eps
    for x in inputs:
        dtype = getattr(x, "dtype", None)
        if dtype is not None and getattr(dtype, "kind", None) == "f":
            eps = max(eps, float(np.finfo(dtype).eps))
    return float(eps)


def _inner(a, b):
    if not hasattr(a, "shape") and not hasattr(b, "shape"):
        return float(a * b)
    return float(np.sum(a * b))


def _inner_with(u):
    """``value -> <u, value>`` over every output (a tuple gives one term per part)."""
    def reduce(value):
        if isinstance(value, tuple):
            parts = u if isinstance(u, tuple) else (u,) * len(value)
            return sum(_inner(p, v) for p, v in zip(parts, value))
        return _inner(u, value)
    return reduce


def _is_number(value):
    return not isinstance(value, tuple) and getattr(value, "shape", ()) == ()


def _as_is(value):
    return value


def _subtract(a, b):
    if isinstance(a, tuple):
        return tuple(_subtract(x, y) for x, y in zip(a, b))
    return a - b


def _scaled(a, factor):
    if isinstance(a, tuple):
        return tuple(_scaled(x, factor) for x in a)
    return a * factor


def _norm(a):
    if isinstance(a, tuple):
        return math.sqrt(sum(_norm(x) ** 2 for x in a))
    if not hasattr(a, "shape"):
        return abs(float(a))
    return float(np.sqrt(np.sum(a * a)))


def _max_abs(x):
    if not hasattr(x, "shape"):
        return abs(float(x))
    if not all(x.shape):
        return 0.0
    return float(np.max(np.abs(x)))


def _like(wrapper, wrapped):
    """The checked function reads like the one it checks (name, docs, its .derivative)."""
    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(wrapper, attribute, getattr(wrapped, attribute, None))
    wrapper.__dict__.update(wrapped.__dict__)
