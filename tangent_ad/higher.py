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
from . import api, structured
from .jacobians import checked_args, positions_of, wrapped, jacfwd, jacrev
from .pipeline.cache import derivative_function
from .targets import like_argument, target, wrt_names

__all__ = ["hessian", "hvp", "jacfwd", "jacrev"]


def hessian(f, wrt=0):
    """``H`` such that ``H(*args)`` is the Hessian of scalar ``f``: forward mode over the gradient.

    For an array ``x`` it has shape ``x.shape + x.shape``; with a tuple ``wrt`` it is a tuple
    of tuples of blocks, ``H[i][j]`` = d² f / d wrt[i] d wrt[j].
    """
    made = structured.through_held(f, wrt, hessian)      # a bound method, a partial
    if made is not None:
        return made
    return jacfwd(api.grad(f, wrt), wrt)


def hvp(f, wrt=0):
    """``h`` such that ``h(*args, v)`` is the Hessian of scalar ``f`` times ``v``, in one sweep.

    ``v`` has the shape of the ``wrt`` argument (a tuple of them for a tuple ``wrt``). Forward
    mode over the reverse-mode code: the cost of about two gradients, whatever the size.
    """
    made = structured.through_held(f, wrt, hvp)
    if made is not None:
        return made
    f, signature = target(f)
    names, as_tuple = wrt_names(f, wrt)
    positions = positions_of(f, names)
    gradient = target(api.grad(f, wrt))[0]     # the generated code (or the refusal it met)

    def product(*args):
        if not args:
            raise TypeError(f"hvp of {f.__name__} takes {f.__name__}'s arguments and then the "
                            "direction v; got no arguments")
        *args, v = args
        args = checked_args(f, signature, names, positions, tuple(args))
        directions = tuple(v) if as_tuple else (v,)
        if len(directions) != len(names):
            raise ValueError(f"hvp needs one direction per wrt argument ({len(names)}); got {len(directions)}")
        forward = derivative_function(gradient, "forward", names)
        keys = forward._tangent_ad_info.tangents
        _, gradient_dot = forward(*args, **{keys[n]: d for n, d in zip(names, directions)})
        if as_tuple:
            return tuple(like_argument(g, args[p]) for g, p in zip(gradient_dot, positions))
        return like_argument(gradient_dot, args[positions[0]])

    return wrapped(product, f, "hvp", signature)






# generated function -> the line of its tape, or 0 when its code keeps none
