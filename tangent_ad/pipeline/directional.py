"""The derivative of a generated function along each of its scalar arguments, as source.

``grad(grad(f))`` for scalar arguments is forward mode over ``grad(f)``'s code, one sweep
per argument; this writes that as a function of its own, which can be differentiated once
more (a third derivative is forward mode over it).
"""
import inspect

from .cache import derivative_function
from .compile import compile_source


def directional_derivatives(f, names, as_tuple):
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
