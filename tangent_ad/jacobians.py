"""Jacobians by forward and by reverse mode, and the gradient of a gradient.

>>> import numpy as np
>>> import tangent_ad as tad
>>> from tangent_ad._doc_examples import poly
>>> tad.jacfwd(poly, wrt=(0, 1))(3.0, 2.0)
(6.0, -4.0)
"""
import functools

import numpy as np

from . import arguments, structured
from .pipeline.directional import directional_derivatives
from .pipeline.cache import derivative_function
from .targets import (check_differentiable, is_reverse_derivative, like_argument, mark, parameters,
                      refuse_reverse_over_tape, target, wrt_names)


def _unit_tangents(x):
    """One tangent per entry of ``x``: a one at that entry, zeros elsewhere (1.0 for a float)."""
    if not hasattr(x, "shape"):
        yield 1.0
        return
    for i in range(x.size):
        e = np.zeros_like(x).reshape(-1)
        e[i] = 1.0
        yield e.reshape(x.shape)


def _zero_tangent(x):
    return np.zeros_like(x) if hasattr(x, "shape") else 0.0


def _assemble(columns, out, x):
    """The Jacobian block d out / d x, of shape out.shape + x.shape, from one column per entry of x."""
    out_shape, x_shape = getattr(out, "shape", ()), getattr(x, "shape", ())
    if not x_shape:
        return like_argument(columns[0], 0.0) if not out_shape else columns[0]
    stacked = np.stack([np.reshape(c, out_shape) if hasattr(c, "shape") else np.asarray(c) for c in columns],
                       axis=-1)
    return np.reshape(stacked, tuple(out_shape) + tuple(x_shape))


def positions_of(f, names):
    params = parameters(f)
    return [params.index(n) for n in names]


def checked_args(f, signature, names, positions, args, kwargs=None):
    """The arguments by position, bound as Python binds a call of the function differentiated
    (its TypeError for a call it refuses), with the differentiated ones checked."""
    args = signature.bind(args, kwargs or {})
    arguments.refuse_values(f, signature.names, args)
    for name, p in zip(names, positions):
        check_differentiable(f, name, args[p])
    return args


def wrapped(wrapper, f, made_by, signature, positions=(), as_tuple=False):
    """``wrapper`` named and documented as ``f``, marked as made by ``tad.<made_by>``."""
    functools.update_wrapper(wrapper, f)
    del wrapper.__wrapped__       # it computes a derivative of f, not f: never differentiate f for it
    mark(wrapper, made_by, signature, positions, as_tuple)
    return wrapper


def jacfwd(f, wrt=0):
    """``J`` such that ``J(*args)`` is the Jacobian of ``f`` by forward mode, one sweep per input entry.

    The Jacobian of an output ``y`` with respect to ``x`` has shape ``y.shape + x.shape``; with a
    tuple ``wrt`` (or a tuple of outputs) the result is a tuple (of tuples) of such blocks.
    """
    made = structured.through_held(f, wrt, jacfwd)       # a bound method, a partial
    if made is not None:
        return made
    f, signature = target(f)
    names, as_tuple = wrt_names(f, wrt)
    positions = positions_of(f, names)

    def jacobian(*args, **kwargs):
        args = checked_args(f, signature, names, positions, args, kwargs)
        forward = derivative_function(f, "forward", names)
        keys = [forward._tangent_ad_info.tangents[n] for n in names]
        blocks = []
        for key, p in zip(keys, positions):
            columns, out = [], None
            for e in _unit_tangents(args[p]):
                tangents = {k: _zero_tangent(args[q]) for k, q in zip(keys, positions)}
                tangents[key] = e
                out, out_dot = forward(*args, **tangents)
                columns.append(out_dot)
            if isinstance(out, tuple):     # several outputs: one block each
                blocks.append(tuple(_assemble([c[j] for c in columns], out[j], args[p])
                                    for j in range(len(out))))
            else:
                blocks.append(_assemble(columns, out, args[p]))
        if isinstance(blocks[0], tuple) and len(blocks) > 1:
            blocks = [tuple(b[j] for b in blocks) for j in range(len(blocks[0]))]   # by output first
            return tuple(tuple(row) for row in blocks)
        return tuple(blocks) if as_tuple else blocks[0]

    return wrapped(jacobian, f, "jacfwd", signature, positions, as_tuple)


def jacrev(f, wrt=0):
    """``J`` such that ``J(*args)`` is the Jacobian of ``f`` by reverse mode, one sweep per output entry.

    Same layout as :func:`jacfwd`: ``y.shape + x.shape``. Cheaper than ``jacfwd`` when the
    output is smaller than the input. The Jacobian of a gradient (``jacrev(tad.grad(f))``,
    a Hessian) is computed by forward mode over the gradient's code, as :func:`hessian`
    does: reverse mode over reverse-mode code is not supported.
    """
    made = structured.through_held(f, wrt, jacrev)
    if made is not None:
        return made
    inner, signature = target(f)
    if is_reverse_derivative(inner):
        return jacfwd(f, wrt)
    f = inner
    refuse_reverse_over_tape(f)
    names, as_tuple = wrt_names(f, wrt)
    positions = positions_of(f, names)

    def jacobian(*args, **kwargs):
        args = checked_args(f, signature, names, positions, args, kwargs)
        reverse = derivative_function(f, "reverse", names, tuple_output=True)
        seeds = reverse._tangent_ad_info.seeds
        if len(seeds) > 1:
            raise ValueError(f"jacrev takes a function with one output; {f.__name__} returns "
                             f"{len(seeds)}: use jacfwd, or one output at a time")
        out = f(*args)
        rows = [reverse(*args, **{seeds[0]: e}) for e in _unit_tangents(out)]
        blocks = []
        for j, p in enumerate(positions):
            x, per_row = args[p], [row[j] for row in rows]
            x_shape, out_shape = getattr(x, "shape", ()), getattr(out, "shape", ())
            if not out_shape:
                block = like_argument(per_row[0], x)
            else:
                block = np.reshape(np.stack([g if hasattr(g, "shape") else np.asarray(g) for g in per_row]),
                                   tuple(out_shape) + tuple(x_shape))
            blocks.append(block)
        return tuple(blocks) if as_tuple else blocks[0]

    return wrapped(jacobian, f, "jacrev", signature, positions, as_tuple)


def gradient_by_forward_mode(f, wrt, return_value, signature):
    """The gradient of a generated reverse-mode function (``grad(grad(f))``), by forward mode.

    Reverse mode over a tape is not supported, and for the scalar arguments such a second
    derivative usually has, forward mode is as cheap: one sweep per input entry. The result
    can be differentiated again (``.derivative`` is its code for scalar arguments).
    ``signature`` is that of the function the gradient ``f`` differentiates: ``f``'s own
    seed parameter is no argument of its gradient.
    """
    jacobian = jacfwd(f, wrt)
    names, as_tuple = wrt_names(f, wrt)
    positions = positions_of(f, names)

    def gradient(*args, **kwargs):
        args = signature.bind(args, kwargs)
        out = f(*args)
        if getattr(out, "shape", ()) != () or isinstance(out, tuple):
            raise ValueError("the gradient needs a scalar output: the inner gradient is not a "
                             "scalar (differentiate with respect to a scalar argument, or use "
                             "tad.hessian / tad.jacfwd)")
        result = jacobian(*args)
        return (out, result) if return_value else result

    wrapped(gradient, f, "value_and_grad" if return_value else "grad", signature, positions, as_tuple)
    if not return_value:
        gradient.derivative = directional_derivatives(f, names, as_tuple)
    return gradient
