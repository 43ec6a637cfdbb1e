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

import numpy as np

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
    if mode != "forward" and tangents is not None:
        raise ValueError("tangents= is for forward mode; reverse mode seeds the output adjoint with 1.0")
    text = derived.source
    entry = derived.__name__
    if mode == "forward" and tangents is None and len(names) > 1:
        return _columns(derived, func, names, arguments, args, kwargs, show_tape, max_rows)
    seeds = _tangent_arguments(derived, tangents) if mode == "forward" else {}
    call_kwargs = dict(kwargs, **seeds)
    recorder, raw = _run(derived, args, call_kwargs, show_tape, max_rows)
    result = _like_api(raw, mode, wrt, names, arguments, seeds)
    call = _call_text(entry, derived, args, call_kwargs)
    shown = [_seed_row(derived, func, names, arguments, seeds)] if mode == "forward" else []
    return Explanation(recorder.rows, recorder.events, result, text, mode, names, call, entry,
                       recorder.truncated, seeds=shown)


def _run(derived, args, call_kwargs, show_tape, max_rows):
    """Run ``derived``'s instrumented source: the recorder holding the rows, and what it returned."""
    text = derived.source
    entry = derived.__name__
    recorder = Recorder(show_tape, max_rows)
    instrumented, statements = instrument(text, entry)
    recorder.statements = statements
    filename = f"<tangent_ad.explain {entry} #{next(_counter)}>"
    linecache.cache[filename] = (len(text), None, [line + "\n" for line in source_lines(text)], filename)
    namespace = dict(derived.__globals__)
    namespace[RECORDER] = recorder
    exec(compile(instrumented, filename, "exec"), namespace)
    return recorder, namespace[entry](*args, **call_kwargs)


def _unit(value, one):
    """The seed of an input: 1 (or all ones) for the one differentiated now, 0 for the others."""
    if isinstance(value, (int, float, complex)) and not isinstance(value, bool):
        return float(one)
    full = np.ones_like if one else np.zeros_like
    return full(np.asarray(value, dtype=float) if np.asarray(value).dtype.kind in "biu" else value)


def _held(func, names, arguments):
    """The parameters not differentiated whose values are real numbers: their tangent is 0."""
    held = []
    for name in targets.parameters(func):
        value = arguments.get(name)
        if name in names or isinstance(value, (bool, int)) or value is None:
            continue
        kind = getattr(np.asarray(value) if isinstance(value, (float, complex, np.ndarray, np.generic))
                       else None, "dtype", None)
        if kind is not None and kind.kind in "fc":
            held.append(name)
    return held


def _seed_row(derived, func, names, arguments, seeds):
    """``{"x1_dot": 1.0, "x2_dot": 0.0}``: the tangents the run starts from (0 for a held input)."""
    info = derived._tangent_ad_info.tangents
    by_parameter = {info[name]: seeds.get(info[name], _default_tangent(derived, info[name]))
                    for name in names}
    for name in _held(func, names, arguments):
        by_parameter[f"{name}_dot"] = _unit(arguments[name], False)
    return by_parameter


def _default_tangent(derived, parameter):
    default = inspect.signature(derived).parameters[parameter].default
    return 1.0 if default is inspect.Parameter.empty else default


def _columns(derived, func, names, arguments, args, kwargs, show_tape, max_rows):
    """Forward mode with several ``wrt``: one run per input, seeded 1 for it and 0 for the others.

    A student expects one tangent column per input (ẏ = ∂y/∂x1, then ∂y/∂x2); seeding every
    input with 1 at once would give their sum under a heading naming them all.
    """
    info = derived._tangent_ad_info.tangents
    runs, seeds, calls = [], [], []
    for name in names:
        unit = {info[other]: _unit(arguments[other], other == name) for other in names}
        call_kwargs = dict(kwargs, **unit)
        recorder, raw = _run(derived, args, call_kwargs, show_tape, max_rows)
        for position, row in enumerate(recorder.rows):
            recorder.rows[position] = row._replace(column=name)
        runs.append((recorder, raw))
        seeds.append(_seed_row(derived, func, names, arguments, unit))
        calls.append(_call_text(derived.__name__, derived, args, call_kwargs))
    value = _like_api(runs[0][1], "forward", names[0], names[:1], arguments, {})[0]
    result = (value, tuple(_like_api(raw, "forward", name, [name], arguments, {})[1]
                           for name, (_, raw) in zip(names, runs)))
    rows = [row for recorder, _ in runs for row in recorder.rows]
    call = _call_text(derived.__name__, derived, args, kwargs)
    trace = Explanation(rows, runs[0][0].events, result, derived.source, "forward", names, call,
                        derived.__name__, any(r.truncated for r, _ in runs), seeds=seeds,
                        columns=list(names), column_events=[r.events for r, _ in runs])
    return trace


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

