"""The derivative rules: one table, looked up by what a call resolves to.

Rules are found by the object a call resolves to (``np.sin``, ``math.sin`` and
``from numpy import sin`` all find the same rule), by method name
(``x.sum()``), or by operator. The tables live in ``elementwise``, ``arrays``
and ``linalg``; ``catalog`` lists every covered spelling with a tested example;
``custom`` holds the rules users register with :func:`tangent_ad.custom_rule`.

>>> import numpy as np
>>> rule_for(np.sin).partials
{'x': 'np.cos(x)'}
>>> rule_for(np.linalg.inv).adjoints
{'a': 'inv_adjoint(g, y)'}
"""
import builtins
import math
import sys

import numpy as np

from . import (arrays, catalog, catalog_coverage, coverage, custom, elementwise, higher, linalg,  # noqa: F401
               python_builtins, scipy_special)
from .kinds import (REQUIRED, SEQUENCE, VARIADIC, Constant, Custom, Elementwise, IndexStore,  # noqa: F401
                    Linear, MultiOutput, Rule, Template, Where)

from . import containers          # lists and tuples of differentiated values
from .containers import Whole     # noqa: F401

RULES = {**elementwise.build(), **arrays.build(), **linalg.build(), **coverage.build(),
         **python_builtins.RULES}
RULES.update(containers.build())

OPERATORS = {op: rule for _, op, rule in elementwise.OPERATORS}
OPERATORS["MatMult"] = "matmul"


def resolve_spelling(spelling):
    """The object ``np.linalg.inv``, ``math.sin`` or ``abs`` names, or None where it does not exist."""
    root, *path = spelling.split(".")
    obj = {"np": np, "math": math}.get(root) or getattr(builtins, root, None)
    for part in path:
        obj = getattr(obj, part, None)
    return obj


def _method(spelling):
    """``sum`` for ``x.sum()``, ``T`` for ``x.T``, None for anything else."""
    if not spelling.startswith("x."):
        return None
    name = spelling[2:].removesuffix("()")
    return name if name.isidentifier() else None


def is_function(spelling):
    """``np.sum``, ``math.sin``, ``abs``: a name to resolve (not ``a + b`` or ``x[i] = v``)."""
    return all(part.isidentifier() for part in spelling.split("."))


def _tables():
    functions, methods = {}, {}
    for entry in catalog.entries():
        method = _method(entry.spelling)
        if method:
            if entry.spelling.endswith("()"):       # x.T is an attribute (ATTRIBUTES)
                methods[method] = entry.rule
            continue
        obj = resolve_spelling(entry.spelling)
        if obj is not None and entry.rule in RULES and entry.rule not in python_builtins.RULES:
            functions[obj] = entry.rule     # sum, max, min: chosen by their arguments (bind.py)
    for spelling, rule in catalog_coverage.ALIASES.items():
        obj = resolve_spelling(spelling)
        if obj is not None:
            functions[obj] = rule
    functions[pow] = "power"
    return functions, methods


# the functions users call, by identity, and array methods by name
FUNCTIONS, METHODS = _tables()
ATTRIBUTES = {"T": "T"}

# SciPy's special functions: {callable: rule}, {spelling: rule}, built once SciPy is imported
_scipy_tables = None


def scipy_tables(load=False):
    """``({callable: rule}, {spelling: rule})`` for SciPy's special functions.

    tangent_ad never imports SciPy on its own account (that takes a second): a function can
    only call SciPy once its module imported it, so the rules are built the first time they
    are looked for after that. ``load=True`` (``--list-rules``) imports SciPy if it is installed.
    """
    global _scipy_tables
    if _scipy_tables is None:
        if not load and "scipy" not in sys.modules:
            return {}, {}
        _scipy_tables = scipy_special.build()
    return _scipy_tables


# the runtime's own functions, for derivatives of derivatives (forward mode over generated code)
RUNTIME_RULES, RUNTIME_UNSUPPORTED = higher.build()
RUNTIME_RULES.update(containers.runtime_rules())

# calls whose result carries no derivative (shapes, counts, comparisons, rounding)
NONDIFFERENTIABLE = {obj for obj in map(resolve_spelling, catalog.CONSTANTS) if obj is not None}
NONDIFFERENTIABLE |= {obj for obj, rule in RUNTIME_RULES.items() if isinstance(rule, Constant)}
# rules whose result may be a view of their first operand's memory (the rest make new arrays)
VIEW_RULES = {"getitem", "T", "transpose", "reshape", "ravel", "squeeze", "expand_dims", "atleast_2d",
              "swapaxes", "moveaxis", "diagonal", "broadcast_to", "identity", "array", "split",
              "array_split", "float", "flip", "fliplr", "flipud", "diag", "atleast_1d", "atleast_3d",
              "rot90", "rollaxis", "linalg_diagonal", "matrix_transpose"}
NONDIFFERENTIABLE_ATTRIBUTES = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes"}
NONDIFFERENTIABLE_METHODS = {"argmax", "argmin", "argsort", "nonzero", "all", "any"}


def rule_for(obj):
    """The rule for a resolved callable (a user's registered rule first), or None."""
    registered = custom.registered(obj)
    if registered is not None:
        return registered
    try:
        name = FUNCTIONS.get(obj)
        runtime_rule = RUNTIME_RULES.get(obj) or scipy_tables()[0].get(obj)
    except TypeError:   # unhashable
        return None
    if name:
        return RULES[name]
    return runtime_rule if isinstance(runtime_rule, Rule) else None


def is_nondifferentiable(obj):
    try:
        return obj in NONDIFFERENTIABLE and custom.registered(obj) is None
    except TypeError:
        return False


def listing(custom_rules=True):
    """``[(spelling, modes)]``: every covered spelling, one per line of ``--list-rules``.

    ``custom_rules``: also the rules registered with ``tangent_ad.custom_rule`` so far.
    """
    seen, lines = set(), []
    for entry in catalog.entries():
        if entry.spelling in seen or (is_function(entry.spelling) and not _method(entry.spelling)
                                      and resolve_spelling(entry.spelling) is None):
            continue        # math.cbrt before Python 3.11
        seen.add(entry.spelling)
        lines.append((entry.spelling, RULES[entry.rule].modes))
    for spelling, rule in catalog_coverage.ALIASES.items():
        if spelling not in seen and resolve_spelling(spelling) is not None:
            lines.append((spelling, RULES[rule].modes))
    for spelling, rule in scipy_tables(load=True)[1].items():
        lines.append((spelling, rule.modes))
    for spelling in catalog.CONSTANTS:
        if spelling.startswith("x.") or resolve_spelling(spelling) is not None:
            lines.append((spelling, Constant.modes))
    for rule in custom.all_rules() if custom_rules else []:
        lines.append((f"{rule.func.__module__}.{rule.func.__qualname__}", rule.modes))
    return lines
