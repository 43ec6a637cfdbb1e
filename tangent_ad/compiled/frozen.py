"""The values Numba compiles into the machine code as constants, and how none goes stale.

Numba reads a global when it compiles, not when the code runs: ``K * x`` is compiled as
``2.0 * x``, a global array as a constant array. The plain derivative reads them at every
call, so the compiled one must not answer from old values:

- the globals of the generated module itself are covered by the plain derivative's own
  freshness check (``pipeline/freshness.py``): rebinding ``K`` rebuilds both;
- what is read *through* them is not, because the plain derivative reads it live: the
  attributes of the user's modules (``settings.K``), and the globals and closure cells of
  the user's functions the derivative calls as they are. Each gets a probe, added to the
  compiled variant's check, so that rebinding one makes the compiled variant again;
- an array can change without being rebound (``A[:] = 10.0``), which no probe sees: a
  writeable array anywhere among these values is refused, naming it. A read-only array
  (``A.setflags(write=False)``) is compiled in.
"""
import re
import types

import numpy as np

from .disk_cache import is_library, names_in_code


def frozen_values(values, names):
    """``(root, label, value, probe)`` for every value Numba compiles in as a constant,
    starting from the generated module's ``values`` (name -> value) whose code reads
    ``names``; ``root``: the module's global it is reached through; ``probe`` is ``("item", dict, key, value)`` or ``("cell", cell, None, contents)``, what
    to look up to see it rebound, or None where the plain derivative's check already does."""
    found = []

    def visit(label, value, read, seen, probe):
        found.append((root, label, value, probe))
        if isinstance(value, tuple):
            for i, item in enumerate(value):
                visit(f"{label}[{i}]", item, read, seen, None)      # the tuple's probe covers it
            return
        if any(value is earlier for earlier in seen):
            return
        seen = (*seen, value)
        if isinstance(value, types.ModuleType) and not is_library(value):
            for attribute in sorted(read):
                if attribute in vars(value):
                    item = vars(value)[attribute]
                    visit(f"{label}.{attribute}", item, read, seen, ("item", vars(value), attribute, item))
        elif users_function(value):
            code = value.__code__
            inner = names_in_code(code)
            for key in sorted(inner & value.__globals__.keys()):
                item = value.__globals__[key]
                visit(key, item, inner, seen, ("item", value.__globals__, key, item))
            for name_, cell in zip(code.co_freevars, value.__closure__ or ()):
                visit(name_, cell.cell_contents, inner, seen, ("cell", cell, None, cell.cell_contents))

    for root, value in values.items():
        visit(root, value, names, (), None)
    return found


def writeable_array(found):
    """``(root, label)`` of the first writeable array among ``frozen_values``, or None."""
    return next(((root, label) for root, label, value, _ in found
                 if isinstance(value, np.ndarray) and value.flags.writeable), None)


def first_line_reading(text, name_):
    """The number of the first line of code in ``text`` that reads ``name_`` (0: none)."""
    pattern = re.compile(rf"\b{re.escape(name_)}\b")
    return next((i for i, line in enumerate(text.split("\n"), 1)
                 if not line.lstrip().startswith(("#", "from ", "import ")) and pattern.search(line)), 0)


def users_function(value):
    """A Python function of the user's (not one of tangent_ad's)."""
    return isinstance(value, types.FunctionType) and not (value.__module__ or "").startswith("tangent_ad")
