"""Derivatives of derivatives: Jacobians, Hessians and Hessian-vector products.

A derivative tangent_ad generates is ordinary Python, so it can be differentiated
again. Second derivatives run forward mode over the reverse-mode code
(forward-over-reverse): one sweep of the gradient's code per direction, the
standard and cheapest way to get a Hessian-vector product.

>>> import numpy as np
>>> import tangent_ad as tad
>>> from tangent_ad._doc_examples import poly
>>> tad.hessian(poly, wrt=(0, 1))(3.0, 2.0)
((2.0, 0.0), (0.0, -2.0))
>>> tad.grad(tad.grad(poly))(3.0, 2.0)
2.0
"""
import functools
import inspect
import weakref

import gast
import numpy as np

from . import api, arguments
from .errors import TransformError
from .transform import compile_source, derivative_function


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
        return api._like_argument(columns[0], 0.0) if not out_shape else columns[0]
    stacked = np.stack([np.reshape(c, out_shape) if hasattr(c, "shape") else np.asarray(c) for c in columns],
                       axis=-1)
    return np.reshape(stacked, tuple(out_shape) + tuple(x_shape))


def _positions(f, names):
    params = api._parameters(f)
    return [params.index(n) for n in names]


def _checked_args(f, signature, names, positions, args, kwargs=None):
    """The arguments by position, bound as Python binds a call of the function differentiated
    (its TypeError for a call it refuses), with the differentiated ones checked."""
    args = signature.bind(args, kwargs or {})
    arguments.refuse_values(f, signature.names, args)
    for name, p in zip(names, positions):
        api._check_differentiable(f, name, args[p])
    return args


def _wrapped(wrapper, f, made_by, signature, positions=(), as_tuple=False):
    """``wrapper`` named and documented as ``f``, marked as made by ``tad.<made_by>``."""
    functools.update_wrapper(wrapper, f)
    del wrapper.__wrapped__       # it computes a derivative of f, not f: never differentiate f for it
    api._mark(wrapper, made_by, signature, positions, as_tuple)
    return wrapper


def jacfwd(f, wrt=0):
    """``J`` such that ``J(*args)`` is the Jacobian of ``f`` by forward mode, one sweep per input entry.

    The Jacobian of an output ``y`` with respect to ``x`` has shape ``y.shape + x.shape``; with a
    tuple ``wrt`` (or a tuple of outputs) the result is a tuple (of tuples) of such blocks.
    """
    f, signature = api._target(f)
    names, as_tuple = api._wrt_names(f, wrt)
    positions = _positions(f, names)

    def jacobian(*args, **kwargs):
        args = _checked_args(f, signature, names, positions, args, kwargs)
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

    return _wrapped(jacobian, f, "jacfwd", signature, positions, as_tuple)


def jacrev(f, wrt=0):
    """``J`` such that ``J(*args)`` is the Jacobian of ``f`` by reverse mode, one sweep per output entry.

    Same layout as :func:`jacfwd`: ``y.shape + x.shape``. Cheaper than ``jacfwd`` when the
    output is smaller than the input. The Jacobian of a gradient (``jacrev(tad.grad(f))``,
    a Hessian) is computed by forward mode over the gradient's code, as :func:`hessian`
    does: reverse mode over reverse-mode code is not supported.
    """
    target, signature = api._target(f)
    if api.is_reverse_derivative(target):
        return jacfwd(f, wrt)
    f = target
    api._refuse_reverse_over_tape(f)
    names, as_tuple = api._wrt_names(f, wrt)
    positions = _positions(f, names)

    def jacobian(*args, **kwargs):
        args = _checked_args(f, signature, names, positions, args, kwargs)
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
                block = api._like_argument(per_row[0], x)
            else:
                block = np.reshape(np.stack([g if hasattr(g, "shape") else np.asarray(g) for g in per_row]),
                                   tuple(out_shape) + tuple(x_shape))
            blocks.append(block)
        return tuple(blocks) if as_tuple else blocks[0]

    return _wrapped(jacobian, f, "jacrev", signature, positions, as_tuple)


def hessian(f, wrt=0):
    """``H`` such that ``H(*args)`` is the Hessian of scalar ``f``: forward mode over the gradient.

    For an array ``x`` it has shape ``x.shape + x.shape``; with a tuple ``wrt`` it is a tuple
    of tuples of blocks, ``H[i][j]`` = d² f / d wrt[i] d wrt[j].
    """
    return jacfwd(api.grad(f, wrt), wrt)


def hvp(f, wrt=0):
    """``h`` such that ``h(*args, v)`` is the Hessian of scalar ``f`` times ``v``, in one sweep.

    ``v`` has the shape of the ``wrt`` argument (a tuple of them for a tuple ``wrt``). Forward
    mode over the reverse-mode code: the cost of about two gradients, whatever the size.
    """
    f, signature = api._target(f)
    names, as_tuple = api._wrt_names(f, wrt)
    positions = _positions(f, names)
    gradient = api.grad(f, wrt).derivative

    def product(*args):
        if not args:
            raise TypeError(f"hvp of {f.__name__} takes {f.__name__}'s arguments and then the "
                            "direction v; got no arguments")
        *args, v = args
        args = _checked_args(f, signature, names, positions, tuple(args))
        directions = tuple(v) if as_tuple else (v,)
        if len(directions) != len(names):
            raise ValueError(f"hvp needs one direction per wrt argument ({len(names)}); got {len(directions)}")
        forward = derivative_function(gradient, "forward", names)
        keys = forward._tangent_ad_info.tangents
        _, gradient_dot = forward(*args, **{keys[n]: d for n, d in zip(names, directions)})
        if as_tuple:
            return tuple(api._like_argument(g, args[p]) for g, p in zip(gradient_dot, positions))
        return api._like_argument(gradient_dot, args[positions[0]])

    return _wrapped(product, f, "hvp", signature)


def gradient_by_forward_mode(f, wrt, return_value, signature):
    """The gradient of a generated reverse-mode function (``grad(grad(f))``), by forward mode.

    Reverse mode over a tape is not supported, and for the scalar arguments such a second
    derivative usually has, forward mode is as cheap: one sweep per input entry. The result
    can be differentiated again (``.derivative`` is its code for scalar arguments).
    ``signature`` is that of the function the gradient ``f`` differentiates: ``f``'s own
    seed parameter is no argument of its gradient.
    """
    jacobian = jacfwd(f, wrt)
    names, as_tuple = api._wrt_names(f, wrt)
    positions = _positions(f, names)

    def gradient(*args, **kwargs):
        args = signature.bind(args, kwargs)
        out = f(*args)
        if getattr(out, "shape", ()) != () or isinstance(out, tuple):
            raise ValueError("the gradient needs a scalar output: the inner gradient is not a "
                             "scalar (differentiate with respect to a scalar argument, or use "
                             "tad.hessian / tad.jacfwd)")
        result = jacobian(*args)
        return (out, result) if return_value else result

    _wrapped(gradient, f, "value_and_grad" if return_value else "grad", signature, positions, as_tuple)
    if not return_value:
        gradient.derivative = _directional_derivatives(f, names, as_tuple)
    return gradient


def _directional_derivatives(f, names, as_tuple):
    """Source for the derivative of ``f`` along each scalar argument in ``names``, one forward
    sweep each: what ``grad(f)`` computes for scalar arguments, written as code that can be
    differentiated once more (a third derivative is forward mode over this)."""
    forward = derivative_function(f, "forward", names)
    keys = forward._tangent_ad_info.tangents
    signature = inspect.signature(f)
    arguments = ", ".join(signature.parameters)
    name_ = f"{f.__name__}_grad"
    lines = [f"def {name_}{signature}:",
             f'    """The derivative of {f.__name__} with respect to {", ".join(names)} (scalars)."""']
    results = []
    for i, n in enumerate(names):
        tangents = ", ".join(f"{keys[m]}={1.0 if m == n else 0.0}" for m in names)
        lines.append(f"    value, {n}_derivative = {forward.__name__}({arguments}, {tangents})")
        results.append(f"{n}_derivative")
    lines.append(f"    return {', '.join(results) + (',' if as_tuple and len(results) == 1 else '')}")
    namespace = {forward.__name__: forward}
    function = compile_source("\n".join(lines) + "\n", name_, namespace, f"derivative of {f.__name__}")
    function._tangent_ad_forward_only = True
    return function


# generated function -> the line of its tape, or 0 when its code keeps none
_tape_lines = weakref.WeakKeyDictionary()


def refuse_reverse_over_tape(f):
    """Raise TransformError if ``f``, code tangent_ad generated, keeps a tape.

    Reverse mode over such code is not supported, and would not be right today: the
    forward sweep writes out a block the outer derivative does not differentiate as the
    primal runs it, leaving out the block's tape pushes while their pops stay (so
    ``pop from empty list``), and the outer derivative's own tape must not share the
    inner code's list. Forward mode over it is supported: ``hvp``, ``hessian``, ``jacfwd``,
    ``grad(grad(f))``, and ``jacrev`` of a gradient, which uses forward mode.
    """
    line = _tape_lines.get(f)
    if line is None:
        from .flatten import stacks
        tree = gast.parse(getattr(f, "source", "") or "")
        names = stacks(tree)
        line = next((node.lineno for node in gast.walk(tree) if isinstance(node, gast.Assign)
                     and isinstance(node.targets[0], gast.Name) and node.targets[0].id in names), 0)
        _tape_lines[f] = line
    if line:
        raise TransformError(
            "reverse mode of a derivative's tape", "differentiate it in forward mode instead: "
            "tad.hvp, tad.hessian, tad.jacfwd (or tad.jacrev of a gradient) or tad.jvp",
            filename=f.__code__.co_filename, lineno=line,
            message=f"reverse mode over {f.__name__}, a derivative whose code keeps a tape, is not "
                    "supported; differentiate it in forward mode instead: tad.hvp, tad.hessian, "
                    "tad.jacfwd (or tad.jacrev of a gradient) or tad.jvp")
