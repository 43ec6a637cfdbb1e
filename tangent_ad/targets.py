"""What is differentiated: the function, the arguments named by ``wrt``, the signature its
derivatives are called with, and which functions are not differentiated again.

The public API (``api.py``, ``higher.py``), the checks and the teaching tools all start
here, so none of them reaches into another's private helpers.

>>> from tangent_ad._doc_examples import poly
>>> wrt_names(poly, (0, "x2"))
(('x1', 'x2'), True)
>>> like_argument(__import__("numpy").float64(2.0), 3.0)
2.0
"""
import inspect
import weakref

import gast

from . import arguments
from . import callables
from .front.flatten import stacks
from .pipeline import caches
from .errors import TransformError

MODES = ("reverse", "forward")
check_differentiable = arguments.check_differentiable


def parameters(func):
    # the function's own parameters: a decorator's wrapper is differentiated as written
    return [p.name for p in inspect.signature(func, follow_wrapped=False).parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.POSITIONAL_ONLY)]


def wrt_names(func, wrt):
    """(names, as_tuple) for a wrt given as an index, a name, or a tuple of them."""
    params = parameters(func)
    as_tuple = isinstance(wrt, (tuple, list))
    items = list(wrt) if as_tuple else [wrt]
    if not items:
        raise ValueError(f"wrt is empty; name at least one parameter of {func.__name__} "
                         f"({', '.join(params)})")
    names = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise TypeError(f"wrt must be a parameter index or name, or a tuple of them; got {item!r}")
        if isinstance(item, int):
            if not -len(params) <= item < len(params):
                raise ValueError(f"wrt={item} is out of range: {func.__name__} has {len(params)} "
                                 f"parameter(s) ({', '.join(params)})")
            item = params[item]
        elif item not in params:
            raise ValueError(f"wrt={item!r} is not a parameter of {func.__name__}; its parameters "
                             f"are ({', '.join(params)})")
        if item in names:
            raise ValueError(f"wrt names {item!r} twice")
        names.append(item)
    return tuple(names), as_tuple


def check_mode(mode):
    if mode not in MODES:
        raise ValueError(f"mode must be 'reverse' or 'forward'; got {mode!r}")


def bound_arguments(func, args, kwargs):
    """Name -> value, as Python binds ``func(*args, **kwargs)`` (its TypeError if it does not)."""
    signature = signature_of(func)
    return dict(zip(signature.names, signature.bind(args, kwargs)))


def signature_of(func):
    """``func``'s arguments.Signature, kept on ``func`` (see caches.py) and made again when its
    code or its defaults change."""
    kept = caches.cache(func, "signature")
    made = kept.get("made") if kept is not None else None
    if made is None or made[0] is not func.__code__ or made[1] is not func.__defaults__:
        made = (func.__code__, func.__defaults__, arguments.Signature(func))
        if kept is not None:
            kept["made"] = made
    return made[2]


def like_argument(gradient, argument):
    """A gradient of a Python float is a Python float."""
    if isinstance(argument, float) and not hasattr(argument, "dtype") and getattr(gradient, "shape", ()) == ():
        try:
            return float(gradient)
        except TypeError:
            return gradient
    return gradient


def checkpoint_option(checkpoint, mode="reverse"):
    """None, True, or a number of iterations per snapshot (checked)."""
    if checkpoint is None or checkpoint is False:
        return None
    if mode != "reverse":
        raise ValueError("checkpoint is for reverse mode: forward mode keeps no tape")
    if checkpoint is True or (isinstance(checkpoint, int) and checkpoint >= 1):
        return checkpoint
    raise ValueError(f"checkpoint must be True (about sqrt(n) snapshots of an n-step loop) or a "
                     f"number of iterations per snapshot (an int >= 1); got {checkpoint!r}")


def mark(wrapper, made_by, signature, positions=(), as_tuple=False):
    """What tangent_ad needs to know of a function it made: which call made it, and the
    signature of the function it differentiates (how it is called)."""
    wrapper._tangent_ad_made_by = made_by
    wrapper._tangent_ad_signature = signature
    wrapper._tangent_ad_wrt = (tuple(positions), as_tuple)


def is_reverse_derivative(f):
    """Whether ``f`` is a generated reverse-mode function (its source keeps a tape)."""
    info = getattr(f, "_tangent_ad_info", None)
    return (info is not None and info.seeds is not None) or getattr(f, "_tangent_ad_forward_only", False)


def unwrap(f):
    """The plain function to differentiate (see :func:`target`)."""
    return target(f)[0]


def target(f):
    """(the plain function to differentiate, the Signature its derivatives are called with).

    For ``@differentiate``'s object, the function it decorates. For a gradient made by
    ``tad.grad``, the generated function that computes it, called with the arguments of
    the function it differentiates: its seed parameter is not one of them. Anything
    else must be a plain ``def`` function or a lambda (see ``callables.py``); a lambda's
    derivative is named for its line (``lambda_line12_grad``).
    """
    if getattr(type(f), "_tangent_ad_decorated", False):    # @differentiate's object
        f = f.__wrapped__
    made_by = getattr(f, "_tangent_ad_made_by", None) if inspect.isfunction(f) else None
    if getattr(f, "_tangent_ad_structured", False):
        raise TypeError(f"{f.__name__} here is a derivative made for the structure of each call's "
                        "arguments (dicts, lists, tuples, *args, **kwargs, keyword-only parameters, a "
                        "bound method, a partial or has_aux), which is not differentiated again; for "
                        "second derivatives write a function of plain array arguments and use "
                        "tad.hessian, tad.hvp or tad.jacfwd on it")
    if made_by is not None:
        if made_by != "grad":
            raise TypeError(_not_differentiated_again(f, made_by))
        if getattr(f, "_tangent_ad_refusal", None) is not None:
            raise f._tangent_ad_refusal      # built per call, for its kinds (api._reverse_for_kinds)
        # the derivative for arguments of any kind, not the one the latest call ran (which may be
        # built for numbers: gradient_calls.py)
        return getattr(f, "_tangent_ad_general", None) or f.derivative, f._tangent_ad_signature
    callables.check_function(f)
    return f, signature_of(f)


def _not_differentiated_again(f, made_by):
    if made_by == "value_and_grad":
        return (f"{f.__name__} here is tad.value_and_grad's function, which returns a value and a "
                f"gradient; differentiate the gradient alone: tad.grad(tad.grad({f.__name__})), or "
                f"tad.hessian({f.__name__})")
    return (f"{f.__name__} here is the function tad.{made_by} made, which is not differentiated "
            f"again; differentiate {f.__name__} itself: tad.hessian({f.__name__}), "
            f"tad.hvp({f.__name__}) or tad.jacfwd(tad.grad({f.__name__}))")


def refuse_reverse_over_tape(f):
    """Reverse mode over generated code that keeps a tape is not supported ."""
    if hasattr(f, "_tangent_ad_info") or getattr(f, "_tangent_ad_forward_only", False):
        _refuse_tape(f)


_tape_lines = weakref.WeakKeyDictionary()


def _refuse_tape(f):
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
