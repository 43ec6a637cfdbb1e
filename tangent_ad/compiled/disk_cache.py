"""Compiled derivatives kept on disk, so that the next run of a program skips Numba's compile.

Numba compiles a derivative in seconds, and keeps the machine code on disk when asked
(``njit(cache=True)``), keyed by the function's source file. That key alone is not safe for
a derivative: Numba freezes the values of the globals the code reads, so code compiled while
``K = 2.0`` would be loaded again after the user wrote ``K = 3.0``. So the file Numba compiles
from is named by a fingerprint of everything the compiled code depends on:

- its source text;
- the value of every global it reads: numbers, strings, NumPy scalars, dtypes and arrays,
  tuples of them; modules and NumPy/math functions by name;
- the fingerprints of the derivatives of helpers it calls, and of the user's functions it calls
  as they are (their code, and the globals they read, in turn);
- the text of tangent_ad's compiled helpers and runtime, and the versions of Numba, NumPy
  and Python.

A global of any other kind (an object, a list, a function compiled elsewhere) has no
fingerprint, and the function is compiled as before, without the disk cache. A changed
value gives a new fingerprint, hence a new file, which Numba has never compiled.

Where: ``$TANGENT_AD_CACHE_DIR``, else ``$XDG_CACHE_HOME/tangent_ad``, else
``~/.cache/tangent_ad``; ``TANGENT_AD_CACHE=0`` turns the cache off. Deleting the folder
(``python -m tangent_ad --clear-cache``) is always safe.

>>> import numpy as np
>>> value_fingerprint(2.0) == value_fingerprint(2.0), value_fingerprint(2.0) == value_fingerprint(3.0)
(True, False)
>>> value_fingerprint(np), value_fingerprint(object()) is None
('module:numpy', True)
"""
import builtins
import functools
import hashlib
import math
import os
import pathlib
import shutil
import sys
import types

import numpy as np

FILE_PREFIX = "tangent_ad-compiled-"      # the files' names, which error messages are matched by
_OFF = {"0", "false", "no", "off"}
_PASSIVE_NAMES = {"__name__", "__builtins__"}
LIBRARIES = {"numpy", "math", "cmath", "numba", "tangent_ad"}    # modules whose values never change


def cache_directory():
    """The folder compiled derivatives are kept in, or None when the cache is turned off.

    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"TANGENT_AD_CACHE": "0"}):
    ...     cache_directory() is None
    True
    """
    if os.environ.get("TANGENT_AD_CACHE", "").strip().lower() in _OFF:
        return None
    chosen = os.environ.get("TANGENT_AD_CACHE_DIR")
    if chosen:
        return pathlib.Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "tangent_ad"


def clear():
    """Delete the cache folder; returns the folder, or None when the cache is turned off."""
    folder = cache_directory()
    if folder is not None and folder.exists():
        shutil.rmtree(folder)
    return folder


def value_fingerprint(value, names=()):
    """A text that changes when ``value`` changes in a way compiled code could see, or None
    when ``value`` is of a kind with no fingerprint (the code is then not cached). ``names``:
    the names the code reads, among them the attributes it may read of a module of the user's."""
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return f"{type(value).__name__}:{value!r}"
    if isinstance(value, types.ModuleType):
        return _module(value, names)
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            return None
        digest = hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()
        return f"array:{value.dtype.str}:{value.shape}:{value.flags.c_contiguous}:{digest}"
    if isinstance(value, (np.generic, np.dtype)):
        return f"{type(value).__name__}:{value!r}"
    if isinstance(value, tuple):
        parts = [value_fingerprint(item) for item in value]
        return None if None in parts else f"tuple({','.join(parts)})"
    return _library_function(value) or _user_function(value)


def _user_function(value, seen=()):
    """A function of the user's that compiled code calls as it is (Numba compiles it beside
    the derivative): its code, defaults and closure, and the globals it reads, recursively."""
    if not isinstance(value, types.FunctionType) or value in seen:
        return None
    seen = (*seen, value)
    code = value.__code__
    parts = [_code(code)]
    cells = tuple(cell.cell_contents for cell in value.__closure__ or ())
    parts.append(value_fingerprint((*(value.__defaults__ or ()), *cells)))
    names = names_in_code(code)
    for name_ in sorted(names & value.__globals__.keys()):
        read = value.__globals__[name_]
        if any(read is function for function in seen):
            parts.append(f"{name_}=recursion")
        elif isinstance(read, types.FunctionType) and _library_function(read) is None:
            parts.append(_user_function(read, seen))
        else:
            parts.append(value_fingerprint(read, names))
    return None if None in parts else f"function:{hashlib.sha256(str(parts).encode()).hexdigest()}"


def _module(module, names, seen=()):
    """A library module by name; one of the user's by the values of the attributes read of it
    (``settings.K``: Numba freezes the value of K), through its submodules."""
    if is_library(module):
        return f"module:{module.__name__}"
    if module in seen:
        return f"module:{module.__name__}:again"
    parts = [module.__name__]
    for name_ in sorted(n for n in names if hasattr(module, n)):
        attribute = getattr(module, name_)
        if isinstance(attribute, types.ModuleType):
            parts.append(_module(attribute, names, (*seen, module)))
        else:
            parts.append(value_fingerprint(attribute))
    return None if None in parts else f"module:{parts}"


def _library_function(value):
    """A NumPy, math or builtin function, or one of tangent_ad's (a runtime helper, or
    ``derivative``, which makes a helper's derivative at the top of the module), by name."""
    name_ = getattr(value, "__name__", None)
    if name_ is None:
        return None
    if isinstance(value, np.ufunc) or getattr(np, name_, None) is value:
        return f"numpy:{name_}"
    if getattr(math, name_, None) is value or getattr(builtins, name_, None) is value:
        return f"{value.__module__ or 'builtins'}:{name_}"
    module = getattr(value, "__module__", None) or ""
    if module.startswith(("tangent_ad", "numpy")):     # the runtime's code is in _package(); the
        return f"{module}:{getattr(value, '__qualname__', name_)}"   # derivatives made are callees
    return None


def is_library(module):
    """Whether ``module`` is one whose values never change (NumPy, math, Numba, tangent_ad)."""
    return module.__name__.split(".")[0] in LIBRARIES


def names_in(text):
    """Every global or attribute name the module ``text`` reads."""
    return names_in_code(compile(text, "<names>", "exec"))


def names_in_code(code):
    """Every global or attribute name ``code`` (and the code nested in it) reads."""
    names, pending = set(), [code]
    while pending:
        current = pending.pop()
        names.update(current.co_names)
        pending += [c for c in current.co_consts if isinstance(c, types.CodeType)]
    return names


def _code(code):
    """A code object's instructions, constants and names (marshal's bytes depend on reference
    counts, so they are not used)."""
    constants = tuple(_code(c) if isinstance(c, types.CodeType) else repr(c) for c in code.co_consts)
    return repr((code.co_code, constants, code.co_names, code.co_varnames, code.co_freevars,
                 code.co_cellvars, code.co_argcount, code.co_kwonlyargcount, code.co_flags))


def fingerprint(text, namespace, callees):
    """The fingerprint of compiled source ``text`` reading the globals in ``namespace``;
    ``callees``: the globals compiled beside it, by name, with their fingerprints (None for
    one that has none). None when a global has no fingerprint."""
    parts, names = [_package(), text], names_in(text)
    for name_ in sorted(namespace):
        if name_ in _PASSIVE_NAMES:
            continue
        if name_ in callees:
            part = None if callees[name_] is None else f"compiled:{callees[name_]}"
        else:
            part = value_fingerprint(namespace[name_], names)
        if part is None:
            return None
        parts.append(f"{name_}={part}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


@functools.lru_cache(maxsize=1)
def _package():
    """What every compiled derivative depends on besides its own text: the code of
    tangent_ad's runtime and compiled helpers, and the versions of what compiles it."""
    import numba
    here = pathlib.Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for folder in (here, here.parent / "runtime"):
        for path in sorted(folder.glob("*.py")):
            digest.update(path.name.encode() + path.read_bytes())
    return (f"numba {numba.__version__}, numpy {np.__version__}, python {sys.version}, "
            f"helpers {digest.hexdigest()}")


def source_file(text, key):
    """The path of a file holding ``text``, named by its fingerprint ``key`` (written once,
    atomically, so processes running side by side never see half a file); None when the
    cache is off or its folder cannot be written."""
    folder = cache_directory()
    if folder is None or key is None:
        return None
    path = folder / "compiled" / f"{FILE_PREFIX}{key}.py"
    try:
        if path.exists() and path.read_text() == text:
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(text)
        os.replace(partial, path)
    except OSError:
        return None
    return path
