"""Run a generated derivative and show every value it computes, in the order it runs.

``explain(f, *args, mode=..., wrt=...)`` takes the code ``tangent_ad`` generates
for ``f`` (the same text ``tad.source`` prints), adds a recording call after every
assignment and around every loop and branch, runs it at ``args``, and returns an
:class:`Explanation`: one row per assigned name, with its value, the phase
("forward" or "reverse"), and a label saying which loop iteration and which branch
it ran in. Printing it gives the chapter's tables of values and tangents (forward
mode) or values and adjoints (reverse mode).

>>> import tangent_ad as tad
>>> from tangent_ad._doc_examples import poly
>>> trace = tad.explain(poly, 3.0, 2.0, mode="forward")
>>> [(row.name, row.value) for row in trace.rows]
[('t1', 5.0), ('t1_dot', 1.0), ('t2', 1.0), ('t2_dot', 1.0), ('y', 5.0), ('y_dot', 6.0)]
>>> trace.result
(5.0, 6.0)
>>> tad.explain(poly, 3.0, 2.0, mode="reverse", wrt=(0, 1)).values("reverse")["x2_bar"]
-4.0

The work is shared by four modules beside this one: ``instrumenting`` inserts the
recording calls, ``recording`` collects the rows while the code runs, ``tables``
presents them, and ``values`` writes each value as a short text.
"""
import inspect
import itertools
import linecache

from .. import api, targets
from ..ir.code import source_lines
from .instrumenting import RECORDER, instrument
from .recording import Recorder, Row
from .tables import Explanation
from .values import format_value

__all__ = ["explain", "Explanation", "Row"]

_counter = itertools.count(1)


# ------------------------------------------------------------------ public API
def explain(f, *args, mode="reverse", wrt=0, tangents=None, checkpoint=None, optimize=True,
            show_tape=False, max_rows=10_000, **kwargs):
    """The evaluation trace of ``f``'s derivative at ``args``: an :class:`Explanation`.

    ``mode``, ``wrt``, ``checkpoint`` and ``optimize`` are those of :func:`tangent_ad.derivative`
    (``optimize=False`` traces the plain transformation, before its clean-ups). Reverse mode
    runs the gradient function (seeding the output adjoint with 1.0); forward mode
    runs the tangent function with ``tangents`` (one per ``wrt`` argument, as a
    tuple, a dict by name, or a single value; by default 1.0 for each, which for an
    array is the all-ones direction). Keyword arguments go to ``f``. Tape pushes and
    pops are left out unless ``show_tape=True``; at most ``max_rows`` rows are kept.
    """
    derived = api.derivative(f, mode, wrt, checkpoint, optimize)
    func = targets.unwrap(f)
    names = targets.wrt_names(func, wrt)[0]
    arguments = targets.bound_arguments(func, args, kwargs)
    for name in names:
        targets.check_differentiable(func, name, arguments[name])
    text = derived.source
    entry = derived.__name__
    seeds = _tangent_arguments(derived, tangents) if mode == "forward" else {}
    call_kwargs = dict(kwargs, **seeds)
    if mode != "forward" and tangents is not None:
        raise ValueError("tangents= is for forward mode; reverse mode seeds the output adjoint with 1.0")
    recorder = Recorder(show_tape, max_rows)
    instrumented, statements = instrument(text, entry)
    recorder.statements = statements
    filename = f"<tangent_ad.explain {entry} #{next(_counter)}>"
    linecache.cache[filename] = (len(text), None, [line + "\n" for line in source_lines(text)], filename)
    namespace = dict(derived.__globals__)
    namespace[RECORDER] = recorder
    exec(compile(instrumented, filename, "exec"), namespace)
    result = _like_api(namespace[entry](*args, **call_kwargs), mode, wrt, names, arguments, seeds)
    call = _call_text(entry, derived, args, call_kwargs)
    return Explanation(recorder.rows, recorder.events, result, text, mode, names, call, entry,
                       recorder.truncated)


def _like_api(result, mode, wrt, names, arguments, seeds):
    """The result as tad.grad and tad.jvp give it: a float's derivative is a float."""
    values = [arguments[name] for name in names]
    if mode == "reverse":
        if isinstance(wrt, (tuple, list)):
            return tuple(targets.like_argument(g, v) for g, v in zip(result, values))
        return targets.like_argument(result, values[0])
    tangents = list(seeds.values()) or [1.0]
    if all(isinstance(v, float) for v in values + tangents):
        return result[0], targets.like_argument(result[1], 0.0)
    return result


def _tangent_arguments(derived, tangents):
    info = derived._tangent_ad_info.tangents          # parameter -> its tangent parameter
    if tangents is None:
        return {}
    if isinstance(tangents, dict):
        unknown = set(tangents) - set(info)
        if unknown:
            raise ValueError(f"tangents= names {sorted(unknown)}, which are not differentiated; "
                             f"wrt is {tuple(info)}")
        return {info[name]: value for name, value in tangents.items()}
    if not isinstance(tangents, (tuple, list)):
        tangents = (tangents,)
    if len(tangents) != len(info):
        raise ValueError(f"tangents= needs one tangent per differentiated argument {tuple(info)}; "
                         f"got {len(tangents)}")
    return {info[name]: value for name, value in zip(info, tangents)}


def _call_text(entry, derived, args, kwargs):
    try:
        bound = inspect.signature(derived).bind(*args, **kwargs)
        parts = [f"{k}={format_value(v)}" for k, v in bound.arguments.items()]
    except TypeError:
        parts = [format_value(a) for a in args] + [f"{k}={format_value(v)}" for k, v in kwargs.items()]
    return f"{entry}({', '.join(parts)})"

