"""A plain derivative, compiled with Numba: its source rewritten (``numba_source.py``),
run, and each function it defines wrapped in ``numba.njit``.

Numba compiles a function the first time it is called with a new combination of argument
types, and keeps the machine code per combination: the derivative of ``f`` called with
floats and then with arrays is compiled twice, once each. What it cannot compile raises a
:class:`~tangent_ad.CompileError` at that first call, naming the user's line.
"""
import inspect
import re
import sys
import types

import numpy as np

from ..errors import CompileError
from ..pipeline.compile import compile_source
from . import disk_cache
from .frozen import first_line_reading, frozen_values, users_function, writeable_array
from .numba_source import Unsupported, numba_source, user_line

# where Numba's messages name a line of the compiled source: File "<...>", line 12 / <...> (12),
# or the file it is kept in on disk (disk_cache.py)
_NUMBA_LINE = re.compile(r'(<tangent_ad [^">]*>|[^"\s]*' + disk_cache.FILE_PREFIX
                         + r'[0-9a-f]+\.py)(?:", line | \()(\d+)')


def numba_module():
    """Numba, or an ImportError saying how to install it."""
    try:
        import numba
    except ImportError:
        raise ImportError('compile=True compiles derivatives with Numba, which is not installed: '
                          'pip install numba (or the project\'s extra: pip install ".[numba]")') from None
    from . import numba_runtime, numba_shapes     # noqa: F401 - register the compiled runtime helpers
    return numba


def compiled_helpers():
    """The names of the runtime helpers that have a compiled version."""
    from . import numba_runtime, numba_shapes
    return numba_runtime.COMPILED | numba_shapes.COMPILED


def build(plain):
    """``(dispatcher, text, probes)``: the Numba-compiled version of the generated function
    ``plain``, its source, and the probes that see rebound what Numba compiled in as constants
    beyond what ``plain``'s own freshness check sees (``frozen.py``)."""
    dispatcher, text, _, probes = _build(plain)
    return dispatcher, text, probes


def _build(plain):
    """``(dispatcher, text, key, probes)``; ``key`` is the fingerprint its compiled code is
    kept on disk under (``disk_cache.py``), or None when it is compiled afresh in every process."""
    numba = numba_module()
    numpy_names = {name_ for name_, value in plain.__globals__.items() if value is np}
    try:
        rewritten = numba_source(plain.source, getattr(plain, "_tangent_ad_tapes", {}), numpy_names,
                                 compiled_helpers())
    except Unsupported as unsupported:
        raise refusal(plain, plain.source, unsupported.lineno, unsupported.reason) from None
    entry = plain.__name__
    label = plain.__code__.co_filename.strip("<>").replace("tangent_ad ", "").rsplit(" #", 1)[0]
    generated = set(rewritten.functions)
    function = compile_source(rewritten.text, entry, dict(plain.__globals__), f"compiled {label}")
    values = {name_: value for name_, value in function.__globals__.items() if name_ not in generated}
    names = disk_cache.names_in(rewritten.text)
    found = frozen_values(values, names)
    _refuse_frozen_arrays(plain, rewritten.text, found)
    probes = [probe for *_, probe in found if probe is not None]
    compiled, callees = {}, {}         # what the module's globals become, and their fingerprints
    for name_, value in values.items():
        if getattr(value, "_tangent_ad_info", None) is not None and hasattr(value, "source"):
            compiled[name_], _, callees[name_], more = _build(value)   # a helper's derivative, from another module
            probes += more
        elif users_function(value):
            compiled[name_] = numba.njit(value)     # a helper the derivative calls as it is
            callees[name_] = disk_cache.value_fingerprint(value)
        elif isinstance(value, types.ModuleType) and not disk_cache.is_library(value):
            compiled[name_] = _compiled_module(numba, value, names)
    key = disk_cache.fingerprint(rewritten.text, values, callees)
    if values.get("__name__") not in sys.modules:
        key = None      # Numba reloads kept code by importing its module by name: it must be importable
    path = disk_cache.source_file(rewritten.text, key)
    if path is not None:    # run again from the file Numba keeps its compiled code beside
        function = compile_source(rewritten.text, entry, dict(plain.__globals__), f"compiled {label}", path=path)
    namespace = function.__globals__
    namespace.update(compiled)
    for name_ in generated:
        namespace[name_] = _jit(numba, namespace[name_], cached=path is not None)
    return namespace[entry], rewritten.text, key if path is not None else None, probes


def _refuse_frozen_arrays(plain, text, found):
    """A writeable array Numba would compile in as a constant (``frozen.py``): refused."""
    array = writeable_array(found)
    if array is not None:
        root, label = array
        raise refusal(plain, text, first_line_reading(text, root),
                      f"it reads the global array `{label}`, which Numba compiles in as a constant, so a "
                      f"later change to its elements would not be seen",
                      remedy=f"pass it as an argument, or make it read-only if it never changes "
                             f"({label}.setflags(write=False)), or leave out compile=True (the plain "
                             f"derivative reads it at every call)")


def _compiled_module(numba, module, names):
    """A stand-in for a module of the user's that the derivative reads attributes of
    (``helpers.bend(x)``, ``settings.K``): the same values, its functions compiled, as Numba
    can call only compiled functions. (Its fingerprint is the module's own: disk_cache.py.)"""
    stand_in = types.ModuleType(module.__name__)
    for name_ in names:
        if hasattr(module, name_):
            value = getattr(module, name_)
            setattr(stand_in, name_, numba.njit(value) if users_function(value) else value)
    return stand_in


def without_disk_cache(dispatcher, seen=None):
    """Turn off the disk cache of ``dispatcher`` and of the compiled functions it calls: the
    way back when kept code cannot be loaded (``compile_for`` in ``__init__.py``)."""
    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher
    seen = set() if seen is None else seen
    if id(dispatcher) in seen:
        return
    seen.add(id(dispatcher))
    dispatcher._cache = NullCache()
    for value in dispatcher.py_func.__globals__.values():
        if isinstance(value, Dispatcher):
            without_disk_cache(value, seen)
        elif isinstance(value, types.ModuleType) and not disk_cache.is_library(value):
            for attribute in vars(value).values():
                if isinstance(attribute, Dispatcher):
                    without_disk_cache(attribute, seen)


def _jit(numba, function, cached):
    """``numba.njit(function)``, kept on disk when ``cached`` and Numba finds a place for it."""
    if cached:
        try:
            return numba.njit(function, cache=True)
        except RuntimeError:        # Numba found no writable place for its files
            pass
    return numba.njit(function)


def refusal(plain, text, lineno, reason, detail=None, remedy=None):
    """The CompileError for generated line ``lineno`` of ``text``: at the user's line it computes."""
    func_ref = getattr(plain, "_tangent_ad_source_function", None)
    func = func_ref() if func_ref is not None else None
    filename = (inspect.getsourcefile(func) or "<unknown>") if func is not None else "<unknown>"
    where = _verbatim(func, text, lineno) or user_line(text, lineno)
    if where is None:
        where = (func.__code__.co_firstlineno if func is not None else 1, None)
    line, code = where
    construct = f"compiling `{code}`" if code else "compiling this function"
    message = (f"compile=True cannot compile `{code or 'this function'}`: {reason}"
               + (f" ({detail})" if detail else "")
               + "; " + (remedy or "leave out compile=True for this function (the plain derivative works), "
                         "or write this line with NumPy functions and loops Numba supports"))
    return CompileError(construct, "", filename=filename, lineno=line, text=code, message=message)


def _verbatim(func, text, lineno):
    """``(line, code)`` of the user's line that generated line ``lineno`` is, or whose adjoint
    it computes (the comment above it), written exactly so; None when there is none."""
    if func is None:
        return None
    try:
        source, first = inspect.getsourcelines(func)
    except (OSError, TypeError):
        return None
    lines = text.split("\n")
    candidates = [lines[lineno - 1].strip()] if 0 < lineno <= len(lines) else []
    for line in reversed(lines[:lineno - 1]):
        stripped = line.strip()
        if stripped.startswith("# "):
            candidates.append(stripped[2:])
            break
    for candidate in candidates:
        for i, line in enumerate(source):
            if line.strip() == candidate and candidate:
                return first + i, candidate
    return None


def compile_failure(error, plain, text):
    """A Numba error at the first call, as a CompileError at the user's line."""
    message = str(error)
    lines = [int(m.group(2)) for m in _NUMBA_LINE.finditer(message)
             if "compiled" in m.group(1) or disk_cache.FILE_PREFIX in m.group(1)]
    reason = _first_reason(message)
    if "Cannot unify" in reason:
        why = ("a variable holds values of two kinds here (a float, then an array, say); Numba gives "
               "each variable one type, so start it as the kind it becomes (s = s + 0.0 * x)")
    else:
        why = "Numba cannot type it"
    return refusal(plain, text, lines[-1] if lines else 0, why, reason)


def _first_reason(message):
    """The line of Numba's message that says what went wrong, without its colour codes."""
    message = re.sub(r"\x1b\[[0-9;]*m", "", message)
    for line in message.splitlines():
        line = line.strip()
        if line and not line.startswith(("During:", "File", "Failed in", "- Resolution", "^")):
            return line[:300]
    return message.strip()[:300]
