"""Hypothesis strategies that write random programs in the differentiable subset, and the check
every such program goes through.

A program is a module: a function ``f`` over float inputs (Python floats and NumPy arrays of
broadcast-compatible shapes) and an int ``n``, plus helper functions ``f`` calls. Its statements
are drawn from the subset docs/supported.md promises: nested ``if``/``elif``/``else``, ``while``
loops whose condition depends on the data (with a counter that always advances, so they end),
``for`` loops over ``range`` and over the rows of an array, ``break``/``continue``/early
``return``, calls to helpers (also ones that return two values), variables reassigned many
times, augmented assignment, stores into arrays (``y[i] = v``, ``y[a:b] += v``,
``S[i, i] += d[i]``, ``y[mask] = v``) and the NumPy rules of the rule table
(``tangent_ad.rules.elementwise`` and ``tangent_ad.rules.catalog``).

Inputs stay inside each function's domain by construction: ``np.log`` is applied to
``1.0 + np.square(e)``, ``np.arcsin`` to ``0.8 * np.tanh(e)``, and so on, and every value
has a bound tracked while the program is written, so that nothing overflows (an expression
whose bound grows too large is squashed with ``np.tanh``).

Every place where the program is not smooth (a branch condition, ``abs``, ``np.maximum``,
``np.where``, ``np.clip``, ``np.floor``, ``np.max`` ties, a mask, ``np.linalg.norm`` at 0) is
written twice: plainly in the source tangent_ad differentiates, and through a recorder in an
*instrumented* copy of the module. The recorder notes each decision and its distance to the
boundary. Inputs are accepted only when that distance is not tiny and every point central
differences evaluate takes the same decisions; otherwise other inputs are drawn, and a program
without such inputs is rejected (``hypothesis.assume``). So a failing check is a real finding:
a ``TransformError`` or ``InternalError`` for code inside the subset, or a wrong value or
derivative.

``programs(kind, constructs=True)`` also mixes in constructs at the edge of the subset, where
tangent_ad must either get the derivative right or refuse it (see ``CONSTRUCTS``): lists filled
in loops and then stacked or indexed, ``np.r_`` / ``np.c_``, closures made by module-level
helpers, stores through views of local buffers, default arguments (constants, module globals
rebound after the definition, defaults with a side effect or a random draw), helpers and ``f``
wrapped by ``functools.wraps`` decorators that change the value, names that clash with the
names tangent_ad generates or imports, and updates in place where memory may be shared
(``z = a; z += e`` on floats, arrays, views and copies; helpers that update a parameter). For such a program the check accepts exactly two outcomes
per mode: a ``TransformError`` that names the program's file and a line holding one of these
constructs, or derivatives that agree with central differences. Anything else, a refusal of an
ordinary line included, is a finding.

``inplace_batch(count, seed, directory)`` draws programs with updates in place from a seed
(``SeededWriter``), checks each, and runs each refused one against its copy-on-write twin
(``updates_visible_memory``): tests/test_inplace_programs.py measures how many are refused, and
that each refusal is of a program whose update another name really sees.
"""
import ast
import collections
import importlib.util
import itertools
import math
import os
import re
import sys
from dataclasses import dataclass, field

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tangent_ad as tad  # noqa: E402
from tangent_ad.rules import catalog, elementwise  # noqa: E402
from tangent_ad.runtime import __all__ as RUNTIME_NAMES  # noqa: E402

# Problems found but not fixed yet: name -> its regression test in tests/test_regressions.py. To
# park one, add it here and let the generator (or the check) consult the name to steer clear of
# it, so that the batches keep testing everything else; remove it when its test passes. Empty:
# everything the random programs have found so far is fixed.
KNOWN_ISSUES = {}

# ----------------------------------------------------------------------------- the rule table
COVERED = {entry.spelling for entry in catalog.entries()}

LIMIT = 6.0          # an expression whose bound exceeds this is squashed with np.tanh
INPUT_BOUND = 1.0    # inputs are drawn from [-1, 1]
MARGIN = 1e-3        # the least distance to a kink or a branch boundary at the accepted point

# maps that take any value into a function's domain: the template and the test domain it serves
DOMAIN_MAPS = {
    "real": ["{e}"],
    "positive": ["1.0 + np.square({e})", "np.exp(-np.square({e})) + 0.5"],
    "unit": ["0.8 * np.tanh({e})", "0.7 * np.sin({e})"],
    "above_one": ["1.5 + np.square({e})"],
    "fraction": ["0.5 + 0.4 * np.tanh({e})"],
    "one_to_two": ["1.5 + 0.3 * np.tanh({e})"],
}
# 'real' in the table means "away from 0" for these: their derivative is singular at 0
AWAY_FROM_ZERO = {"cbrt", "reciprocal"}
KINKED_UNARY = {"absolute"}                       # guarded: the sign of the operand is recorded
GUARDED_BINARY = {"maximum", "minimum"}           # ties are recorded
# a singular point of a binary rule, moved away by giving one operand a positive domain
BINARY_DOMAIN_OVERRIDE = {"arctan2": {"b": "positive"}, "hypot": {"a": "positive"},
                          "true_divide": {"b": "positive"}}


def _unary_rules():
    out = []
    for spelling, rule in elementwise.NUMPY_UNARY:
        domain = elementwise.domains(rule)["x"]
        if rule in AWAY_FROM_ZERO:
            domain = "positive"
        out.append((spelling, rule, domain))
    return out


def _binary_rules():
    out = []
    for spelling, rule in elementwise.NUMPY_BINARY:
        domains = dict(elementwise.domains(rule))
        domains.update(BINARY_DOMAIN_OVERRIDE.get(rule, {}))
        out.append((spelling + "({a}, {b})", rule, domains["a"], domains["b"]))
    for spelling, _, rule in elementwise.OPERATORS:
        if "b" not in spelling:
            continue
        domains = dict(elementwise.domains(rule))
        domains.update(BINARY_DOMAIN_OVERRIDE.get(rule, {}))
        out.append(("({a})" + spelling[1:-1] + "({b})", rule, domains["a"], domains["b"]))
    return out


def _math_rules():
    """math.* and builtins on scalars: (template, rule, {param: domain})."""
    out = []
    for spelling, rule in elementwise.MATH:
        domains = dict(elementwise.domains(rule))
        if rule in AWAY_FROM_ZERO:
            domains = {"x": "positive"}
        domains.update(BINARY_DOMAIN_OVERRIDE.get(rule, {}))
        params = list(domains)
        call = spelling + "(" + ", ".join("{" + p + "}" for p in params) + ")"
        out.append((call, rule, domains))
    return out


UNARY = _unary_rules()
BINARY = _binary_rules()
MATH = _math_rules()

for _spelling in ("np.sum", "np.mean", "np.prod", "np.max", "np.min", "np.var", "np.std",
                  "np.linalg.norm", "np.cumsum", "np.where", "np.clip", "a @ b", "np.dot",
                  "np.outer", "np.linalg.inv", "np.linalg.solve", "np.linalg.det", "x[i] = v",
                  "x[i] += v", "x[mask]", "np.flip", "np.roll", "x.T", "np.diag", "np.einsum",
                  "np.concatenate", "np.tril", "np.trace", "x.sum()", "x.mean()", "x.max()"):
    assert _spelling in COVERED, f"{_spelling} is no longer in the rule table"


# ----------------------------------------------------------------------------- bounds
_BOUND_CACHE = {}


def _grid(lo, hi, k=101):
    return np.linspace(lo, hi, k)


def map_interval(template, bound):
    """The interval a domain map sends [-bound, bound] into."""
    key = ("map", template, bound)
    if key not in _BOUND_CACHE:
        e = _grid(-bound, bound, 401)
        with np.errstate(all="ignore"):
            values = eval(template.format(e="e"), {"np": np, "e": e})  # noqa: S307 - our own template
        values = np.broadcast_to(values, e.shape)
        _BOUND_CACHE[key] = (float(np.min(values)), float(np.max(values)))
    return _BOUND_CACHE[key]


def _function_of(spelling):
    if spelling.startswith("("):          # an operator template
        return None
    root, *path = spelling.split(".")
    obj = {"np": np, "math": math}.get(root)
    if obj is None:
        import builtins
        obj = getattr(builtins, root)
    for part in path:
        obj = getattr(obj, part)
    return obj


def unary_bound(spelling, interval):
    key = ("u", spelling, interval)
    if key not in _BOUND_CACHE:
        x = _grid(*interval, 801)
        with np.errstate(all="ignore"):
            y = np.vectorize(_function_of(spelling))(x) if spelling.startswith(("math.", "float", "abs")) \
                else _function_of(spelling)(x)
        _BOUND_CACHE[key] = float(np.max(np.abs(np.asarray(y, float)))) * 1.01 + 1e-12
    return _BOUND_CACHE[key]


def binary_bound(template, interval_a, interval_b):
    key = ("b", template, interval_a, interval_b)
    if key not in _BOUND_CACHE:
        a, b = np.meshgrid(_grid(*interval_a, 61), _grid(*interval_b, 61))
        text = template.format(a="a", b="b")
        with np.errstate(all="ignore"):
            if text.startswith("math.") or text.startswith("pow("):
                y = np.vectorize(lambda p, q: eval(text, {"math": math, "a": p, "b": q}))(a, b)  # noqa: S307
            else:
                y = eval(text, {"np": np, "a": a, "b": b})  # noqa: S307 - our own template
        _BOUND_CACHE[key] = float(np.max(np.abs(np.asarray(y, float)))) * 1.01 + 1e-12
    return _BOUND_CACHE[key]


# ----------------------------------------------------------------------------- expressions
@dataclass
class Expr:
    plain: str           # what tangent_ad reads
    instr: str           # the same with guard calls
    shape: tuple         # () for a scalar
    bound: float         # |value| <= bound
    leaf: bool = False   # a variable name or a constant

    def wrap(self, template, shape=None, bound=None):
        """``template`` with {e} replaced by this expression (plain and instrumented)."""
        return Expr(template.format(e=self.plain), template.format(e=self.instr),
                    self.shape if shape is None else shape, self.bound if bound is None else bound)


@dataclass
class Var:
    name: str
    shape: tuple
    bound: float
    storable: bool = True     # may be written in place (x[i] = v, x += v) without touching another name
    integer: bool = False     # a loop index


def broadcast(*shapes):
    return tuple(np.broadcast_shapes(*shapes))


def fits(shape, within):
    """Whether an operand of ``shape`` broadcasts into ``within`` without growing it."""
    try:
        return broadcast(shape, within) == tuple(within)
    except ValueError:
        return False


def _num(value):
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


# ----------------------------------------------------------------------------- constructs
# Constructs at the edge of the subset, mixed into programs written with ``constructs=True``.
# For each, tangent_ad must give the right derivative or refuse with a TransformError that points
# at it; which lines belong to a construct is told by its markers (see ModuleParts.markers).
CONSTRUCTS = {
    "list": "a list filled with differentiated values (append / extend / += in a loop, or a "
            "literal) and then stacked, np.array'd, concatenated or indexed",
    "rc": "np.r_[...] and np.c_[...] of differentiated values",
    "closure": "a closure made by a module-level helper (a lambda or a nested def capturing "
               "differentiated values) and called",
    "view": "a store through a view of a local buffer: a row out[i], A.T, a reshape, a slice",
    "default": "default arguments: constants, module globals rebound after the definition, "
               "defaults with a side effect or a random draw; passed, by keyword, or left out",
    "wraps": "helpers and f wrapped by functools.wraps decorators (most change the value)",
    "clash": "parameters, locals, loop variables and helpers named like the code tangent_ad "
             "generates (tape, _, iterations, cond, t1, x_bar, x_dot, y_bar, g_grad, ...) or "
             "like its runtime helpers (zeros_like, unbroadcast, seed_adjoint, ...)",
    "np_free": "a module that imports 'from numpy import sin, ...' and 'import numpy', and uses "
               "the name np for a value of its own",
    "inplace": "updates in place where memory may be shared: z = a; z += e on a float (a parameter, "
               "a constant, a reduction, a size), on an array or a view of one (really shared), on a "
               "copy; helpers that update a parameter in place, given a new array, a named array "
               "(really shared) or a float",
}

# the variants of the construct "inplace" (see Writer._inplace_statement): whether the update
# changes memory another name of f reads, and how often it is drawn. Code that really updates
# shared memory is rare in programs people write, and so here: about 1.3% of the updates.
INPLACE_VARIANTS = {"scalar alias": (False, 60), "copied alias": (False, 50), "helper, new array": (False, 60),
                    "helper, scalar": (False, 50), "array alias": (True, 1), "view alias": (True, 1),
                    "helper, named array": (True, 1)}

# constructs whose markers are on most lines: a refusal is theirs only where no other construct is
BROAD_CONSTRUCTS = ("clash", "np_free")

# names the generated code uses for its own variables and functions
GENERATED_NAMES = ["tape", "_", "iterations", "cond", "t1", "t2", "t3", "out", "out_bar", "out_dot"]
ADJOINT_NAMES = ["x_bar", "x_dot", "y", "y_bar", "y_dot", "x_bar_from_g", "x_bar2", "p0_bar"]
DERIVATIVE_NAMES = ["g_grad", "g_jvp", "g_value_and_grad", "g_vjp_forward", "g_vjp_backward",
                    "f_grad", "f_jvp", "f_value_and_grad", "f_vjp_forward"]

# the body of a closure: (template over the captured a, b and the argument t, captures,
# bound of the value from the bounds A, B, T)
CLOSURE_BODIES = [
    ("a * t", 1, lambda A, B, T: A * T),
    ("a * np.sin(t)", 1, lambda A, B, T: A),
    ("np.tanh(a) * t + a", 1, lambda A, B, T: T + A),
    ("a * t + b", 2, lambda A, B, T: A * T + B),
    ("np.cos(a - t) * b", 2, lambda A, B, T: B),
]

# functools.wraps decorators: variant -> (the wrapper's lines, the helper's bound -> the new one)
DECORATORS = {
    "scale": (["def wrapper(*args, **kwargs):", "    return 2.0 * fn(*args, **kwargs)"], lambda b: 2.0 * b),
    "shift": (["def wrapper(*args, **kwargs):", "    return fn(*args, **kwargs) + 0.5"], lambda b: b + 0.5),
    "squash": (["def wrapper(*args, **kwargs):", "    value = fn(*args, **kwargs)", "    return np.tanh(value)"],
               lambda b: 1.0),
    "argument": (["def wrapper(first, *rest, **kwargs):", "    return fn(0.5 * first, *rest, **kwargs)"],
                 lambda b: b),
    "same": (["def wrapper(*args, **kwargs):", "    return fn(*args, **kwargs)"], lambda b: b),
}

# where a default value comes from (see ModuleParts.default)
DEFAULT_SOURCES = ("constant", "global", "draw", "effect")


class ModuleParts:
    """What the writers of ``f`` and of its helpers add at module level, and the constructs they
    wrote (shared by every Writer of one program)."""

    def __init__(self, extras):
        self.extras = frozenset(extras)     # the constructs this program may hold
        self.preamble = []                  # module-level blocks before the helpers: globals, makers
        self.postamble = []                 # after f: globals rebound after the definitions
        self.imports = set()
        self.markers = collections.defaultdict(set)    # construct -> identifiers and regexes
        self.variants = collections.defaultdict(set)   # construct -> variants written
        self.makers = {}                    # (body, style) -> name of the maker
        self.decorators = {}                # variant -> name of the decorator
        self.globals = {}                   # module global -> bound of its values
        self.bumps = 0                      # defaults that called bump()
        self.counter = itertools.count(1)

    def mark(self, construct, variant, *identifiers, regex=()):
        self.variants[construct].add(variant)
        self.markers[construct] |= {("name", i) for i in identifiers} | {("re", r) for r in regex}

    def maker(self, body, style, captures):
        key = (body, style)
        if key not in self.makers:
            name = f"make{next(self.counter)}"
            params = ", ".join("ab"[:captures])
            if style == "lambda":
                block = [f"def {name}({params}):", f"    return lambda t: {body}"]
            else:
                block = [f"def {name}({params}):", "    def inner(t):", f"        return {body}",
                         "    return inner"]
            self.preamble.append(block)
            self.makers[key] = name
        return self.makers[key]

    def decorator(self, variant):
        if variant not in self.decorators:
            name = f"{variant}_wrap{next(self.counter)}"
            lines, _ = DECORATORS[variant]
            self.preamble.append([f"def {name}(fn):", "    @functools.wraps(fn)"]
                                 + ["    " + line for line in lines] + ["    return wrapper"])
            self.imports.add("functools")
            self.decorators[variant] = name
        return self.decorators[variant]

    def default(self, source):
        """(the text of a default value, its bound, identifiers that mark it) from ``source``."""
        if source == "global" or (source == "effect" and self.bumps >= 3):
            name = f"SCALE{next(self.counter)}"
            before, after = 0.5 + 0.25 * (len(self.globals) % 3), 1.25
            self.preamble.append([f"{name} = {_num(before)}"])
            self.postamble.append(f"{name} = {_num(after)}        # rebound after the definitions")
            self.globals[name] = max(before, after)
            return name, max(before, after), [name]
        if source == "draw":
            name = f"RNG{next(self.counter)}"
            self.preamble.append([f"{name} = np.random.default_rng({len(self.preamble) + 3})"])
            return f"{name}.uniform(0.5, 1.5)", 1.5, [name]
        if source == "effect":
            if not self.bumps:
                self.preamble.append(["CALLS = []", "", "", "def bump():", "    CALLS.append(1)",
                                      "    return 0.25 + 0.25 * len(CALLS)"])
            self.bumps += 1
            return "bump()", 0.25 + 0.25 * self.bumps, ["bump", "CALLS"]
        value = 0.5 + 0.25 * (next(self.counter) % 4)
        return _num(value), value, []


def _marker_regex(marker, rename):
    """The regex of a marker; one of a value made by the construct starts with ``message:``: it
    is looked for in the message of a refusal, not in the line."""
    kind, text = marker
    if kind == "re":
        return text
    regex = r"\b" + re.escape(rename.get(text, text)) + r"\b"
    return "message:" + regex if kind == "value" else regex


# ----------------------------------------------------------------------------- the program
@dataclass
class Program:
    """One generated module, and the arguments ``f`` is called with."""
    source: str                   # the module tangent_ad differentiates
    instrumented: str             # the same module with the recorder's calls
    params: list                  # [(name, shape)] of the float inputs, in order; then n
    n: int                        # the int argument
    value_seed: int               # seeds the draw of the float inputs
    kind: str = "scalar"
    constructs: dict = field(default_factory=dict)   # construct -> [variants] (constructs=True)
    markers: dict = field(default_factory=dict)      # construct -> [regexes of its lines]

    def __repr__(self):
        return "Program:\n" + self.describe()

    def describe(self):
        shapes = ", ".join(f"{name}: {'float' if shape == () else shape}" for name, shape in self.params)
        text = f"f({shapes}, n={self.n}), inputs from seed {self.value_seed}\n"
        if self.constructs:
            listed = (f"{c} ({', '.join(v)})" for c, v in sorted(self.constructs.items()))
            text += "constructs: " + "; ".join(listed) + "\n"
        return text + self.source

    def constructs_at(self, lineno, message=""):
        """The constructs whose markers are on line ``lineno`` of the source (1-based), or, failing
        that, whose names or values ``message`` names (a refusal of ``x /= 2.0`` because ``x`` may
        share memory with what a closure returned); of a name clash or a module without np only
        when no other construct is on the line (their names are on most lines)."""
        lines = self.source.splitlines()
        if not 1 <= lineno <= len(lines):
            return ()
        line = lines[lineno - 1]
        found = sorted(c for c, regexes in self.markers.items()
                       if any(re.search(r, line) for r in regexes if not r.startswith("message:")))
        if not found:
            found = sorted(c for c, regexes in self.markers.items() if c not in BROAD_CONSTRUCTS
                           and any(re.search(r.replace("message:", "", 1), message) for r in regexes))
        return tuple([c for c in found if c not in BROAD_CONSTRUCTS] or found)

    def present(self):
        """The constructs whose markers are still in the source (after shrinking: fewer)."""
        body = [line for line in self.source.splitlines() if not re.match(r"\s*(def |@|import |from )", line)]
        return tuple(sorted(c for c, regexes in self.markers.items()
                            if any(re.search(r, line) for r in regexes if not r.startswith("message:")
                                   for line in body)))


class Writer:
    """Writes one program from Hypothesis draws. ``frame`` is the shape every value broadcasts into."""

    MAX_DEPTH = 2

    def __init__(self, draw, kind, frame, params, parts=None):
        self.draw = draw
        self.kind = kind
        self.frame = frame
        self.dim = frame[0] if frame else 3
        self.plain, self.instr = [], []
        self.counter = itertools.count(1)
        self.parts = ModuleParts(()) if parts is None else parts
        self.extras = self.parts.extras
        self.closures = []             # [(name, scope depth, body, bound, shape)] of closures made here
        self.live = []                 # values of constructs that the last return adds in
        self.f_default = None          # (parameter, default text) of f, with constructs
        self.helpers = []              # [(name, parameters, outputs, results, default)], (shape, bound) each
        self.helper_depth = 0
        self.params = params
        self.scopes = [[Var(name, shape, INPUT_BOUND) for name, shape in params]]
        self.groups = {}               # name -> set of names that may share its memory
        self.loops = []                # enclosing loops: [(index name or None, its largest value or None)]
        self.indent = 1
        self.allow_return = True       # a helper returning two values returns once, at the end
        self.returned = False
        self.helper_texts = []

    # -- draws ----------------------------------------------------------------------
    def choice(self, options):
        return self.draw(st.sampled_from(options))

    def chance(self, percent):
        return self.draw(st.integers(0, 99)) >= 100 - percent

    def integer(self, lo, hi):
        return self.draw(st.integers(lo, hi))

    def constant(self, lo=-0.9, hi=0.9):
        return self.choice([round(lo + (hi - lo) * k / 8, 2) for k in range(9)])

    # -- scopes ---------------------------------------------------------------------
    def variables(self):
        seen = {}
        for scope in self.scopes:
            for var in scope:
                seen[var.name] = var
        return list(seen.values())

    def fresh_name(self, prefix="v"):
        return f"{prefix}{next(self.counter)}"

    def in_loop(self):
        return bool(self.loops)

    def loop_factor(self):
        factor = 1
        for _ in self.loops:
            factor *= 4
        return factor

    def emit(self, plain, instr=None):
        self.plain.append("    " * self.indent + plain)
        self.instr.append("    " * self.indent + (plain if instr is None else instr))

    def storable(self, var):
        return var.storable and len(self.groups.get(var.name, {var.name})) == 1

    def alias(self, name, sources):
        """``name`` now may share memory with the variables ``sources`` (and with theirs)."""
        shared = {name}
        for source in sources:
            shared |= self.groups.get(source, {source})
        for member in shared:
            self.groups[member] = self.groups.get(member, {member}) | shared

    # -- expressions ----------------------------------------------------------------
    def leaf(self, within):
        options = [v for v in self.variables() if fits(v.shape, within) and (not v.integer or self.chance(10))]
        if "default" in self.extras and self.parts.globals and self.chance(6):
            name = self.choice(sorted(self.parts.globals))     # a module global, read when f runs
            self.parts.mark("default", "global read", name)
            return Expr(name, name, (), self.parts.globals[name], leaf=True)
        if not options or self.chance(8):
            value = self.constant(-1.5, 1.5)
            return Expr(_num(value), _num(value), (), abs(value), leaf=True)
        var = self.choice(options)
        return Expr(var.name, var.name, var.shape, var.bound, leaf=True)

    def squash(self, e):
        if e.bound <= LIMIT:
            return e
        return e.wrap(self.choice(["np.tanh({e})", "np.sin({e})", "np.arctan({e})"]), bound=1.6)

    def mapped(self, e, domain):
        """``e`` sent into ``domain``: (expression, interval)."""
        template = self.choice(DOMAIN_MAPS[domain])
        if template == "{e}":
            return e, (-e.bound, e.bound)
        lo, hi = map_interval(template, round(e.bound, 3))
        return e.wrap(template, bound=max(abs(lo), abs(hi))), (lo, hi)

    def expr(self, within, depth=0):
        """An expression whose shape broadcasts into ``within``."""
        if depth >= self.MAX_DEPTH or self.chance(25):
            return self.leaf(within)
        kinds = ["unary", "binary", "binary", "reduce", "math", "where", "clip", "power", "index",
                 "shape", "linalg", "floor", "norm", "helper"]
        if "rc" in self.extras:
            kinds.append("rc")
        if "closure" in self.extras and self.closures:
            kinds.append("closure_call")
        kind = self.choice(kinds)
        e = getattr(self, "_" + kind)(within, depth)
        if e is None:
            e = self._binary(within, depth)
        if e is None:
            e = self.leaf(within)
        return self.squash(e)

    def _unary(self, within, depth):
        spelling, rule, domain = self.choice(UNARY)
        e = self.expr(within, depth + 1)
        if spelling == "np.ascontiguousarray" and e.shape == ():
            spelling = "np.asarray"          # np.ascontiguousarray makes a scalar a 1-d array
        if rule in KINKED_UNARY:
            if not varies(e.plain):
                return None
            return Expr(f"{spelling}({e.plain})", f"{spelling}(_g.sign({e.instr}))", e.shape, e.bound)
        arg, interval = self.mapped(e, domain)
        bound = unary_bound(spelling, (round(interval[0], 3), round(interval[1], 3)))
        if bound > 50 and domain == "real":           # exp, sinh, cosh of a large operand
            arg = e.wrap("np.tanh({e})", bound=1.0)
            bound = unary_bound(spelling, (-1.0, 1.0))
        return Expr(f"{spelling}({arg.plain})", f"{spelling}({arg.instr})", e.shape, bound)

    def _binary(self, within, depth):
        template, rule, domain_a, domain_b = self.choice(BINARY)
        a = self.expr(within, depth + 1)
        b = self.expr(within, depth + 1)
        a, interval_a = self.mapped(a, domain_a)
        b, interval_b = self.mapped(b, domain_b)
        if rule in ("power", "float_power"):      # keep the exponent moderate
            b = b.wrap("0.5 * np.tanh({e})", bound=0.5)
            interval_b = (-0.5, 0.5)
        shape = broadcast(a.shape, b.shape)
        bound = binary_bound(template, tuple(round(v, 3) for v in interval_a),
                             tuple(round(v, 3) for v in interval_b))
        plain = template.format(a=a.plain, b=b.plain)
        if rule in GUARDED_BINARY:
            if a.plain == b.plain or not (varies(a.plain) or varies(b.plain)):
                return None
            name = template.split("(")[0]
            instr = f"{name}(*_g.pair({a.instr}, {b.instr}))"
        else:
            instr = template.format(a=a.instr, b=b.instr)
        return Expr(plain, instr, shape, bound)

    def _math(self, within, depth):
        if within != () and not self.chance(30):
            return None
        template, rule, domains = self.choice(MATH)
        operands, intervals = {}, {}
        for param, domain in domains.items():
            e = self.scalar(depth + 1)
            e, intervals[param] = self.mapped(e, domain)
            operands[param] = e
        if rule in ("power",) and "b" in operands:
            operands["b"] = operands["b"].wrap("0.5 * np.tanh({e})", bound=0.5)
            intervals["b"] = (-0.5, 0.5)
        if rule == "absolute":
            x = operands["x"]
            if not varies(x.plain):
                return None
            return Expr(template.format(x=x.plain), template.format(x=f"_g.sign({x.instr})"), (), x.bound)
        plain = template.format(**{p: e.plain for p, e in operands.items()})
        instr = template.format(**{p: e.instr for p, e in operands.items()})
        if len(domains) == 1:
            (interval,) = intervals.values()
            bound = unary_bound(template.split("(")[0], tuple(round(v, 3) for v in interval))
        else:
            generic = template.replace("{" + list(domains)[0] + "}", "{a}").replace(
                "{" + list(domains)[1] + "}", "{b}")
            bound = binary_bound(generic, *(tuple(round(v, 3) for v in intervals[p]) for p in domains))
        return Expr(plain, instr, (), bound)

    def scalar(self, depth):
        """A shape-() expression: a scalar variable, or a reduction of anything."""
        e = self.expr((), depth) if self.chance(50) else None
        if e is None or e.shape != ():
            e = self.reduce_all(self.expr(self.frame, depth + 1))
        return e

    def reduce_all(self, e):
        if e.shape == ():
            return e
        size = int(np.prod(e.shape))
        name = self.choice(["np.sum", "np.mean", "({e}).sum()", "({e}).mean()"])
        template = name if "{e}" in name else name + "({e})"
        bound = e.bound * size if "sum" in name else e.bound
        return e.wrap(template, shape=(), bound=bound)

    def _reduce(self, within, depth):
        e = self.expr(self.frame, depth + 1)
        if e.shape == ():
            return None
        size = int(np.prod(e.shape))
        kind = self.choice(["sum", "mean", "prod", "max", "min", "var", "std", "cumsum", "axis"])
        if kind == "cumsum":
            axis = "" if len(e.shape) == 1 else ", axis=" + self.choice(["0", "1"])
            if len(e.shape) == 2 and axis == "" or not fits(e.shape, within):
                return None
            return e.wrap("np.cumsum({e}" + axis + ")", bound=e.bound * max(e.shape))
        if kind == "axis":
            if len(e.shape) != 2:
                return None
            name = self.choice(["np.sum", "np.mean", "np.max", "np.min"])
            axis = self.choice(["0", "1", "-1"])
            keep = self.chance(40)
            axis_number = int(axis) % 2
            shape = list(e.shape)
            if keep:
                shape[axis_number] = 1
            else:
                del shape[axis_number]
            shape = tuple(shape)
            if not fits(shape, within):
                return None
            text = f"{name}({{e}}, axis={axis}" + (", keepdims=True)" if keep else ")")
            bound = e.bound * e.shape[axis_number] if name == "np.sum" else e.bound
            if name in ("np.max", "np.min"):
                if not varies(e.plain, spread=True):
                    return None
                return Expr(text.format(e=e.plain), text.format(e=f"_g.ties({e.instr}, {axis_number})"),
                            shape, bound)
            return e.wrap(text, shape=shape, bound=bound)
        if kind in ("max", "min", "std") and not varies(e.plain, spread=True):
            return None
        if kind in ("max", "min"):
            spelling = self.choice([f"np.{kind}({{e}})", f"({{e}}).{kind}()"])  # e is an array here
            return Expr(spelling.format(e=e.plain), spelling.format(e=f"_g.ties({e.instr}, None)"), (), e.bound)
        if kind == "std":
            return Expr(f"np.std({e.plain})", f"np.std(_g.spread({e.instr}))", (), e.bound)
        if kind == "prod":
            base = e if e.bound <= 1.5 else e.wrap("np.tanh({e})", bound=1.0)
            return base.wrap("np.prod({e})", shape=(), bound=base.bound ** size)
        if kind == "var":
            return e.wrap("np.var({e})", shape=(), bound=e.bound ** 2)
        return e.wrap(f"np.{kind}({{e}})", shape=(), bound=e.bound * (size if kind == "sum" else 1))

    def _where(self, within, depth):
        a = self.expr(within, depth + 1)
        if self.chance(50):
            b = self.leaf(within)
        else:
            c = _num(self.constant())
            b = Expr(c, c, (), 1.0, leaf=True)
        if a.plain == b.plain or not (varies(a.plain) or varies(b.plain)):
            return None
        p = self.expr(within, depth + 1)
        q = self.expr(within, depth + 1)
        shape = broadcast(a.shape, b.shape, p.shape, q.shape)
        op = self.choice([">", "<"])
        guard = "gt" if op == ">" else "lt"
        return Expr(f"np.where({a.plain} {op} {b.plain}, {p.plain}, {q.plain})",
                    f"np.where(_g.{guard}({a.instr}, {b.instr}), {p.instr}, {q.instr})",
                    shape, max(p.bound, q.bound))

    def _clip(self, within, depth):
        e = self.expr(within, depth + 1)
        if not varies(e.plain):
            return None
        lo = self.constant(-0.9, 0.0)
        hi = self.constant(0.1, 0.9)
        form = self.choice(["np.clip({e}, {lo}, {hi})", "({e}).clip({lo}, {hi})"] if e.shape else
                           ["np.clip({e}, {lo}, {hi})"])
        return Expr(form.format(e=e.plain, lo=_num(lo), hi=_num(hi)),
                    form.format(e=f"_g.bounds({e.instr}, {_num(lo)}, {_num(hi)})", lo=_num(lo), hi=_num(hi)),
                    e.shape, max(abs(lo), abs(hi)))

    def _power(self, within, depth):
        e = self.expr(within, depth + 1)
        k = self.choice([2, 3])
        base = e if e.bound <= 3 else e.wrap("np.tanh({e})", bound=1.0)
        return base.wrap(f"({{e}}) ** {k}", bound=base.bound ** k)

    def _floor(self, within, depth):
        e = self.expr(within, depth + 1)
        f = self.expr(within, depth + 1)
        spelling = self.choice(["np.floor", "np.round", "np.ceil"])
        if not varies(e.plain):
            return None
        shape = broadcast(e.shape, f.shape)
        guard = "half" if spelling == "np.round" else "whole"
        return Expr(f"{spelling}({e.plain}) * {f.plain}", f"{spelling}(_g.{guard}({e.instr})) * {f.instr}",
                    shape, (e.bound + 1) * f.bound)

    def _norm(self, within, depth):
        e = self.expr(self.frame, depth + 1)
        if e.shape == () or not varies(e.plain):
            return None
        return Expr(f"np.linalg.norm({e.plain})", f"np.linalg.norm(_g.nonzero({e.instr}))", (),
                    e.bound * math.sqrt(np.prod(e.shape)))

    def exact(self, shape, depth):
        """An expression of exactly ``shape``."""
        e = self.expr(shape, depth)
        if e.shape == shape:
            return e
        if e.shape == ():
            ones = "np.ones(" + (str(shape[0]) if len(shape) == 1 else str(shape)) + ")"
            return e.wrap(f"{ones} * ({{e}})", shape=shape)
        return e.wrap(f"np.ones({shape}) * ({{e}})", shape=shape)

    def _index(self, within, depth):
        vars_ = [v for v in self.variables() if v.shape != ()]
        if not vars_:
            return None
        var = self.choice(vars_)
        d = var.shape[0]
        e = Expr(var.name, var.name, var.shape, var.bound, leaf=True)
        if len(var.shape) == 1:
            options = [(f"{{e}}[{self.integer(0, d - 1)}]", ()), ("{e}[-1]", ()),
                       ("{e}[::-1]", var.shape), (f"np.sum({{e}}[{self.integer(0, d - 1)}:])", ()),
                       (f"{{e}}[[{', '.join(str(self.integer(0, d - 1)) for _ in range(d))}]]", var.shape),
                       ("{e}[:, None]", (d, 1)), ("{e}[None, :]", (1, d))]
        else:
            r, c = var.shape
            options = [(f"{{e}}[{self.integer(0, r - 1)}]", (c,)),
                       (f"{{e}}[:, {self.integer(0, c - 1)}]", (r,)),
                       (f"{{e}}[{self.integer(0, r - 1)}, {self.integer(0, c - 1)}]", ()),
                       ("{e}[::-1, :]", var.shape), ("{e}.T", (c, r)),
                       (f"{{e}}[{self.integer(0, r - 1)}:{r}]", None)]
        template, shape = self.choice(options)
        if shape is None:                # a slice of rows: as many as are left
            start = int(template.split("[")[1].split(":")[0])
            shape = (r - start, c)
        if not fits(shape, within):
            return None
        return e.wrap(template, shape=shape)

    def _shape(self, within, depth):
        n = self.dim
        vectors = [(n,)]
        e = self.expr(self.frame, depth + 1)
        options = []
        if e.shape == (n,):
            options += [("np.flip({e})", (n,)), ("np.roll({e}, 1)", (n,)), ("np.diag({e})", (n, n)),
                        ("np.outer({e}, {e})", (n, n)), ("np.cumsum({e})", (n,)),
                        ("np.concatenate([({e})[1:], ({e})[:1]])", (n,)), ("np.expand_dims({e}, 0)", (1, n)),
                        ("np.tile({e}, (2, 1))[1]", (n,))]
        if len(e.shape) == 2 and e.shape == (n, n):
            options += [("np.transpose({e})", (n, n)), ("np.diag({e})", (n,)), ("np.tril({e})", (n, n)),
                        ("np.triu({e}, 1)", (n, n)), ("np.trace({e})", ()), ("np.reshape({e}, (-1,))[:{n}]", (n,)),
                        ("np.flip({e}, axis=0)", (n, n)), ("np.einsum('ij->j', {e})", (n,))]
        if e.shape in ((1, n), (n, 1)):
            options += [("np.squeeze({e})", (n,)), ("({e}).T", e.shape[::-1])]
        del vectors
        options = [(t, s) for t, s in options if fits(s, within)]
        if not options:
            return None
        template, shape = self.choice(options)
        template = template.replace("{n}", str(n))
        bound = e.bound * (n if ("cumsum" in template or "trace" in template or "einsum" in template) else 1)
        if "outer" in template:
            bound = e.bound ** 2
        return e.wrap(template, shape=shape, bound=bound)

    def _linalg(self, within, depth):
        n = self.dim
        if len(self.frame) == 2:
            kind = self.choice(["matvec", "vecmat", "matmat", "dot", "inv", "solve", "det", "einsum"])
        else:
            kind = self.choice(["dot", "inner"])
        if kind in ("dot", "inner"):
            a = self.exact((n,), depth + 1)
            b = self.exact((n,), depth + 1)
            # a @ b in parentheses: inside x * a @ b it would bind as (x * a) @ b
            spelling = self.choice(["np.dot({a}, {b})", "(({a}) @ ({b}))", "np.inner({a}, {b})",
                                    "np.vdot({a}, {b})"])
            return Expr(spelling.format(a=a.plain, b=b.plain), spelling.format(a=a.instr, b=b.instr), (),
                        a.bound * b.bound * n)
        if kind in ("matvec", "vecmat", "matmat", "einsum"):
            a = self.exact((n, n), depth + 1)
            b = self.exact((n,) if kind != "matmat" else (n, n), depth + 1)
            template, shape = {"matvec": ("(({a}) @ ({b}))", (n,)), "vecmat": ("(({b}) @ ({a}))", (n,)),
                               "matmat": ("np.matmul({a}, {b})", (n, n)),
                               "einsum": ("np.einsum('ij,j->i', {a}, {b})", (n,))}[kind]
            if not fits(shape, within):
                return None
            return Expr(template.format(a=a.plain, b=b.plain), template.format(a=a.instr, b=b.instr), shape,
                        a.bound * b.bound * n)
        # inverse, solve, det of a well-conditioned matrix: I + 0.3 tanh(A), |0.3 tanh(A)| < 0.9
        a = self.exact((n, n), depth + 1)
        well = a.wrap(f"np.eye({n}) + 0.3 * np.tanh({{e}})", bound=1.3)
        if kind == "det":
            return well.wrap("np.linalg.det({e})", shape=(), bound=2.0 ** n)
        if kind == "inv":
            if not fits((n, n), within):
                return None
            return well.wrap("np.linalg.inv({e})", bound=10.0 * n)
        b = self.exact((n,), depth + 1)
        if not fits((n,), within):
            return None
        return Expr(f"np.linalg.solve({well.plain}, {b.plain})", f"np.linalg.solve({well.instr}, {b.instr})",
                    (n,), 10.0 * n * b.bound)

    def _helper(self, within, depth):
        if self.helper_depth >= 1 or depth > 0:
            return None
        args = [self.expr(within, depth + 1) for _ in range(self.integer(1, 2))]
        name, results, default = self.helper_for([(a.shape, a.bound) for a in args], outputs=1)
        (shape, bound), = results
        if not fits(shape, within):
            return None
        plain, instr = self.arguments(args, default)
        return Expr(f"{name}({plain})", f"{name}({instr})", shape, bound)

    def arguments(self, args, default):
        """(plain, instrumented) text of a helper's arguments; with a default parameter
        ``(name, bound)``, a value for it is passed now and then, by position or by keyword."""
        plain = [a.plain for a in args]
        instr = [a.instr for a in args]
        if default is not None and self.chance(40):
            e = self.scalar(2).wrap("0.5 * np.tanh({e})", bound=0.5)     # within the default's bound
            keyword = self.chance(50)
            prefix = f"{default[0]}=" if keyword else ""
            plain.append(prefix + e.plain)
            instr.append(prefix + e.instr)
            self.parts.mark("default", "passed by keyword" if keyword else "passed")
        return ", ".join(plain), ", ".join(instr)

    # -- helpers ----------------------------------------------------------------------
    def helper_for(self, arguments, outputs, force=None):
        """A helper taking arguments of these (shape, bound)s: reused or written now.
        Returns (name, [(shape, bound)] of the results, (name, bound) of a default parameter or None);
        ``force`` ("default" or "wraps") writes a new helper with that construct."""
        for name, signature, n_out, results, default in self.helpers:
            if force is None and n_out == outputs and len(signature) == len(arguments) and all(
                    s == a[0] and b >= a[1] for (s, b), a in zip(signature, arguments)):
                if self.chance(60):
                    return name, results, default
        name = f"helper{len(self.helpers) + 1}"
        sub = type(self)(self.draw, self.kind, self.frame,
                     [(f"p{k}", shape) for k, (shape, _) in enumerate(arguments)], self.parts)
        sub.counter = self.counter
        sub.helper_depth = self.helper_depth + 1
        sub.helpers = self.helpers
        sub.helper_texts = self.helper_texts
        sub.allow_return = outputs == 1
        for var, (shape, bound) in zip(sub.scopes[0], arguments):
            var.bound = max(bound, INPUT_BOUND)
            # a helper that changes its argument in place is refused (docs/supported.md), also for a
            # float parameter, which may hold a 0-d array
            var.storable = False
        params = ", ".join(var.name for var in sub.scopes[0])
        default = None
        if force == "default" or "default" in self.extras and self.chance(40):
            source = self.choice(DEFAULT_SOURCES)
            text, bound, marks = self.parts.default(source)
            default = (self.fresh_name("c"), bound)
            sub.scopes[0].append(Var(default[0], (), bound, storable=False))
            params += f", {default[0]}={text}"
            self.parts.mark("default", f"helper, {source}", name, default[0], *marks)
        sub.block(self.integer(1, 3))
        results = []
        returned = []
        for k in range(outputs):
            e = sub.result() if sub.returned else sub.expr(sub.frame, 0)
            if shares(e.plain):
                e = e.wrap("1.0 * ({e})")       # a helper hands back new arrays
            if default is not None and k == 0:
                e = e.wrap(f"{default[0]} * ({{e}})", bound=e.bound * default[1])
            if k == 0:
                e = sub.with_live(e)
            returned.append(e)
            results.append((e.shape, e.bound))
        sub.emit("return " + ", ".join(e.plain for e in returned), "return " + ", ".join(e.instr for e in returned))
        signature = [(shape, max(bound, INPUT_BOUND)) for shape, bound in arguments]
        text_plain = [f"def {name}({params}):"] + sub.plain
        text_instr = [f"def {name}({params}):"] + sub.instr
        if outputs == 1 and (force == "wraps" or "wraps" in self.extras and self.chance(40)):
            variant = self.choice(sorted(DECORATORS))
            decorator = self.parts.decorator(variant)
            text_plain.insert(0, f"@{decorator}")
            text_instr.insert(0, f"@{decorator}")
            (shape, bound), = results
            results = [(shape, DECORATORS[variant][1](bound))]
            self.parts.mark("wraps", f"helper, {variant}", name, decorator, "fn", "wrapper", "functools")
        self.helpers.append((name, signature, outputs, results, default))
        self.helper_texts.append((text_plain, text_instr))
        return name, results, default

    # -- statements -------------------------------------------------------------------
    def block(self, size):
        self.scopes.append([])
        for _ in range(size):
            self.statement()
        self.scopes.pop()
        self.closures = [c for c in self.closures if c[1] <= len(self.scopes)]

    def define(self, name, e):
        var = Var(name, e.shape, e.bound)
        self.scopes[-1].append(var)
        sources = shares(e.plain)
        if sources:
            self.alias(name, sources)
        return var

    def statement(self):
        nested = len(self.loops) + self.indent - 1
        kinds = ["assign", "assign", "reassign", "augment", "store", "if", "for", "while", "rows",
                 "jump", "return", "unpack", "accumulate"]
        kinds += [k for k in ("list", "view", "closure", "inplace") if k in self.extras]
        kind = self.choice(kinds)
        if kind in ("if", "for", "while", "rows", "accumulate", "list", "view") and nested >= 3:
            kind = "assign"
        getattr(self, "_" + kind + "_statement")()

    def _assign_statement(self):
        e = self.expr(self.frame, 0)
        if shares(e.plain) and self.in_loop():
            e = e.wrap("1.0 * ({e})")           # no new aliases inside loops: see storable()
        name = self.fresh_name()
        self.emit(f"{name} = {e.plain}", f"{name} = {e.instr}")
        self.define(name, e)

    def _reassign_statement(self):
        targets = [v for v in self.variables() if not v.integer
                   and not (self.helper_depth and v.name.startswith(("p", "c")))]
        if not targets:
            return self._assign_statement()
        var = self.choice(targets)
        own = Expr(var.name, var.name, var.shape, var.bound, leaf=True)
        if self.chance(30):
            own = self.exact(var.shape, 1)
        other = self.expr(var.shape, 1)
        template = self.choice(["{a} + {b}", "{a} * {b}", "np.tanh({a}) - {b}", "0.5 * {a} + np.sin({b})",
                                "{a} / (1.0 + np.square({b}))"])
        plain = template.format(a=f"({own.plain})", b=f"({other.plain})")
        instr = template.format(a=f"({own.instr})", b=f"({other.instr})")
        probe = {"np": np, "a": np.array([-own.bound, own.bound]), "b": np.array([[-other.bound], [other.bound]])}
        with np.errstate(all="ignore"):
            bound = float(np.max(np.abs(eval(template.format(a="a", b="b"), probe))))  # noqa: S307
        e = Expr(plain, instr, broadcast(own.shape, other.shape), bound)
        limit = max(var.bound, 1.0) if self.in_loop() else LIMIT
        if e.bound > limit:
            e = e.wrap("np.tanh({e})", bound=1.0)
        self.emit(f"{var.name} = {e.plain}", f"{var.name} = {e.instr}")
        var.bound = e.bound if not self.in_loop() else max(var.bound, e.bound)
        if self.indent == 1 and not self.in_loop():
            self._unshare(var.name)

    def _unshare(self, name):
        shared = self.groups.pop(name, {name})
        for other in shared - {name}:
            self.groups[other] = self.groups.get(other, {other}) - {name}

    def _augment_statement(self):
        options = [v for v in self.variables() if not v.integer and self.storable(v)]
        if not options:
            return self._assign_statement()
        var = self.choice(options)
        e = self.expr(var.shape, 1)
        op = self.choice(["+=", "-=", "*=", "/="])
        if op == "*=":
            e = e.wrap(self.choice(["np.cos({e})", "np.tanh({e})", "0.5 + 0.4 * np.sin({e})"]), bound=1.0)
            bound = var.bound
        elif op == "/=":
            e = e.wrap("1.0 + np.square({e})", bound=1.0 + e.bound ** 2)
            bound = var.bound
        else:
            if e.bound > 1.0:
                e = e.wrap("np.tanh({e})", bound=1.0)
            bound = var.bound + e.bound * self.loop_factor()
        self.emit(f"{var.name} {op} {e.plain}", f"{var.name} {op} {e.instr}")
        var.bound = bound

    def _store_statement(self):
        targets = [v for v in self.variables() if v.shape not in ((), (1,)) and self.storable(v)
                   and not (self.helper_depth and v.name.startswith("p"))]
        if not targets:
            return self._accumulate_statement()
        var = self.choice(targets)
        index, part = self.index_into(var)
        if index is None:
            return self._assign_statement()
        if index.startswith("mask:"):
            mask_plain, mask_instr = index[5:].split("|")
            e = self.scalar(1)
            if e.bound > 1.0:
                e = e.wrap("np.tanh({e})", bound=1.0)
            self.emit(f"{var.name}[{mask_plain}] = {e.plain}", f"{var.name}[{mask_instr}] = {e.instr}")
            var.bound = max(var.bound, e.bound)
            return
        e = self.expr(part, 1)
        if e.bound > 1.0:
            e = e.wrap("np.tanh({e})", bound=1.0)
        op = self.choice(["=", "+=", "-=", "*="])
        if op == "*=":
            e = e.wrap("np.cos({e})", bound=1.0)
        self.emit(f"{var.name}[{index}] {op} {e.plain}", f"{var.name}[{index}] {op} {e.instr}")
        if op in ("+=", "-="):
            var.bound = var.bound + self.loop_factor() * e.bound
        else:
            var.bound = max(var.bound, e.bound)

    def index_into(self, var):
        """(index text, shape of the indexed part) for a store into ``var``."""
        shape = var.shape
        d = shape[0]
        loop_indices = [name for name, top in self.loops if name is not None and top is not None and top < d]
        if loop_indices and self.chance(50):
            i = self.choice(loop_indices)
        else:
            i = str(self.integer(0, d - 1))
        if len(shape) == 1:
            a = self.integer(0, d - 1)
            b = self.integer(a + 1, d)
            options = [(i, ()), (f"{a}:{b}", (1,) if b - a == 1 else ()), ("::-1", ()), ("mask", None)]
            if i.isdigit():
                options.append((f"[{i}, {(int(i) + 1) % d}]", ()))
        else:
            r, c = shape
            j = str(self.integer(0, c - 1))
            options = [(i, (c,)), (f"{i}, {j}", ()), (f":, {j}", (r,)), (f"{i}, {i}", ()) if r == c else (i, (c,)),
                       (f"{self.integer(0, r - 1)}:", (c,)), ("mask", None)]
        index, part = self.choice(options)
        if index == "mask":
            source = [v for v in self.variables() if v.shape == shape and not v.integer]
            if not source:
                return None, None
            m = self.choice(source)
            c = _num(self.constant(-0.5, 0.5))
            return f"mask:{m.name} > {c}|_g.gt({m.name}, {c})", ()
        return index, part

    def _accumulate_statement(self):
        """An array built entry by entry in a loop: S = np.zeros(...); for i in range(d): S[i] = ..."""
        d = self.dim
        name = self.fresh_name("acc")
        shape = self.choice([(d,), (d, d)] if len(self.frame) == 2 else [(d,)])
        maker = self.choice([f"np.zeros({d if len(shape) == 1 else shape})",
                             f"np.ones({d if len(shape) == 1 else shape})"])
        self.emit(f"{name} = {maker}")
        i = self.fresh_name("i")
        self.emit(f"for {i} in range({d}):")
        self.indent += 1
        self.loops.append((i, d - 1))
        self.scopes.append([])
        e = self.scalar(1)
        if e.bound > 1.0:
            e = e.wrap("np.tanh({e})", bound=1.0)
        index = i if len(shape) == 1 else self.choice([f"{i}, {i}", f"{i}, {(0)}", f"{i}"])
        op = self.choice(["=", "+="])
        self.emit(f"{name}[{index}] {op} {e.plain}", f"{name}[{index}] {op} {e.instr}")
        self.scopes.pop()
        self.loops.pop()
        self.indent -= 1
        self.scopes[-1].append(Var(name, shape, 2.0))

    def condition(self, joined=True):
        """(plain, instrumented) text of a data-dependent condition."""
        c = _num(self.constant(-0.5, 0.5))
        op = self.choice([">", "<"])
        guard = "gt" if op == ">" else "lt"
        if joined and self.chance(15):
            first, first_i = self.condition(False)
            second, second_i = self.condition(False)
            word = self.choice(["and", "or"])
            return f"{first} {word} {second}", f"{first_i} {word} {second_i}"
        e = self.scalar(1)
        if not varies(e.plain):
            var = self.choice([v for v in self.variables() if not v.integer])
            e = self.reduce_all(Expr(var.name, var.name, var.shape, var.bound, leaf=True))
        return f"{e.plain} {op} {c}", f"_g.{guard}({e.instr}, {c})"

    def _if_statement(self):
        plain, instr = self.condition()
        self.emit(f"if {plain}:", f"if {instr}:")
        self.nested_block()
        branches = self.integer(0, 2)
        for k in range(branches):
            if k == branches - 1 and self.chance(50):
                self.emit("else:")
            else:
                plain, instr = self.condition()
                self.emit(f"elif {plain}:", f"elif {instr}:")
            self.nested_block()

    def nested_block(self, loop=None):
        self.indent += 1
        if loop is not None:
            self.loops.append(loop)
        self.block(self.integer(1, 3))
        if loop is not None:
            self.loops.pop()
        self.indent -= 1

    def _for_statement(self):
        i = self.fresh_name("i")
        counts = [("2", 1), ("3", 2)] if self.helper_depth else [("n", None), ("2", 1), ("3", 2), ("n + 1", None)]
        count, top = self.choice(counts)
        self.emit(f"for {i} in range({count}):")
        self.scopes.append([Var(i, (), 3.0, storable=False, integer=True)])   # never differentiated
        self.nested_block(loop=(i, top))
        self.scopes.pop()

    def _while_statement(self):
        k = self.fresh_name("k")
        self.emit(f"{k} = 0")
        limit = self.choice(["3", "2"] if self.helper_depth else ["n", "3", "n + 2"])
        plain, instr = self.condition()
        self.emit(f"while {k} < {limit} and ({plain}):", f"while {k} < {limit} and ({instr}):")
        self.indent += 1
        self.emit(f"{k} += 1")              # first, so that continue cannot skip it
        self.indent -= 1
        self.nested_block(loop=(None, None))

    def _rows_statement(self):
        arrays = [v for v in self.variables() if v.shape != () and not v.name.startswith("acc")]
        if self.in_loop():       # the rows stay views of the array in the next iteration too
            arrays = [v for v in arrays if not self.storable(v)]
        if not arrays:
            return self._for_statement()
        var = self.choice(arrays)
        row = self.fresh_name("row")
        self.emit(f"for {row} in {var.name}:")
        row_var = Var(row, var.shape[1:], var.bound, storable=False)
        self.alias(row, {var.name})              # each row is a view of the array
        self.scopes.append([row_var])
        self.nested_block(loop=(None, None))
        self.scopes.pop()

    def _jump_statement(self):
        if not self.in_loop():
            return self._return_statement()
        plain, instr = self.condition()
        self.emit(f"if {plain}:", f"if {instr}:")
        self.indent += 1
        self.emit(self.choice(["break", "continue"]))
        self.indent -= 1

    def _return_statement(self):
        if not self.allow_return or "inplace" in self.extras and not self.helper_depth:
            # an early return of f would skip the updates in place, or the reads that show them
            return self._assign_statement()
        self.returned = True
        plain, instr = self.condition()
        self.emit(f"if {plain}:", f"if {instr}:")
        self.indent += 1
        e = self.result()
        if self.helper_depth and shares(e.plain):
            e = e.wrap("1.0 * ({e})")           # a helper hands back new arrays
        self.emit(f"return {e.plain}", f"return {e.instr}")
        self.indent -= 1

    def result(self):
        return self.reduce_all(self.expr(self.frame, 0))

    def _unpack_statement(self):
        if self.helper_depth:
            return self._assign_statement()
        args = [self.expr(self.frame, 1) for _ in range(self.integer(1, 2))]
        name, results, default = self.helper_for([(a.shape, a.bound) for a in args], outputs=2)
        names = [self.fresh_name() for _ in results]
        plain, instr = self.arguments(args, default)
        call_plain = f"{name}({plain})"
        call_instr = f"{name}({instr})"
        self.emit(f"{', '.join(names)} = {call_plain}", f"{', '.join(names)} = {call_instr}")
        for target, (shape, bound) in zip(names, results):
            self.scopes[-1].append(Var(target, shape, bound))

    # -- constructs at the edge of the subset (programs written with constructs=True) ---------------
    def keep(self, name, construct):
        """The value of a construct, in ``name``, is added to what the function returns when it is
        made at the top of the function (so defined wherever the last return is reached): a
        construct whose value is dropped would test nothing. A refusal whose message names
        ``name`` is the construct's (see Program.constructs_at)."""
        self.parts.markers[construct].add(("value", name))
        if self.indent == 1 and not self.loops:
            self.live.append(name)

    def with_live(self, e):
        """``e`` plus a smooth scalar of each value kept by :meth:`keep`."""
        for name in self.live:
            e = Expr(f"{e.plain} + 0.5 * np.tanh(np.sum({name}))", f"{e.instr} + 0.5 * np.tanh(np.sum({name}))",
                     e.shape, e.bound + 0.5)
        return e

    def fresh_expr(self, within, depth=1):
        """An expression whose value is a new array (never memory of a variable)."""
        e = self.expr(within, depth)
        return e.wrap("1.0 * ({e})") if shares(e.plain) else e

    def _list_statement(self):
        """ys = []; for i in range(k): ys.append(e) (or extend, +=, a literal); then a value of it."""
        name = self.fresh_name("ys")
        build = self.choice(["append", "append", "extend", "iadd", "twice", "literal"])
        counts = [("2", 2), ("3", 3)] if self.helper_depth else [("2", 2), ("3", 3), ("n + 1", 4)]
        count, top = self.choice(counts)
        least = 1 if count == "n + 1" else top
        if build in ("twice", "literal"):
            first = self.fresh_expr(self.frame)
            second = self.exact(first.shape, 1)
            if shares(second.plain):
                second = second.wrap("1.0 * ({e})")
            if build == "literal":
                self.emit(f"{name} = [{first.plain}, {second.plain}]", f"{name} = [{first.instr}, {second.instr}]")
            else:
                self.emit(f"{name} = []")
                self.emit(f"{name}.append({first.plain})", f"{name}.append({first.instr})")
                self.emit(f"{name}.append({second.plain})", f"{name}.append({second.instr})")
            shape, bound, least, most = first.shape, max(first.bound, second.bound), 2, 2
        else:
            self.emit(f"{name} = []")
            i = self.fresh_name("i")
            self.emit(f"for {i} in range({count}):")
            self.indent += 1
            self.loops.append((i, top - 1))
            self.scopes.append([Var(i, (), 3.0, storable=False, integer=True)])
            first = self.fresh_expr(self.frame)
            shape, bound, most = first.shape, first.bound, top
            if build == "extend":
                second = self.exact(shape, 1)
                if shares(second.plain):
                    second = second.wrap("1.0 * ({e})")
                self.emit(f"{name}.extend([{first.plain}, {second.plain}])",
                          f"{name}.extend([{first.instr}, {second.instr}])")
                bound, least, most = max(bound, second.bound), 2 * least, 2 * top
            elif build == "iadd":
                self.emit(f"{name} += [{first.plain}]", f"{name} += [{first.instr}]")
            else:
                self.emit(f"{name}.append({first.plain})", f"{name}.append({first.instr})")
            self.scopes.pop()
            self.loops.pop()
            self.indent -= 1
        size = int(np.prod(shape)) if shape else 1
        uses = [("np.sum(np.stack({ys}), axis=0)", shape, bound * most),
                ("np.mean(np.array({ys}), axis=0)", shape, bound),
                ("{ys}[0] * {ys}[-1]", shape, bound * bound),
                ("np.sum(np.array({ys}))", (), bound * most * size),
                ("np.stack({ys})[-1]", shape, bound)]
        if least >= 2:
            uses.append(("{ys}[1]", shape, bound))
        joined = "np.sum(np.concatenate({ys}))" if shape else "np.sum(np.hstack({ys}))"
        uses.append((joined, (), bound * most * size))
        template, used_shape, used_bound = self.choice(uses)
        text = template.format(ys=name)
        e = self.squash(Expr(text, text, used_shape, used_bound))
        target = self.fresh_name()
        self.emit(f"{target} = {e.plain}", f"{target} = {e.instr}")
        self.define(target, e)
        self.keep(target, "list")
        self.parts.mark("list", f"{build}, {template.format(ys='ys')}", name)

    def _view_statement(self):
        """A store through a view of a local buffer: r = out[0]; r[1] = e (also A.T, reshape, a slice)."""
        d = self.dim
        variant = self.choice(["row", "transpose", "reshape", "slice"])
        buf, view = self.fresh_name("buf"), self.fresh_name("view")
        shape = {"row": (d, d), "transpose": (d, d), "reshape": (d * d,), "slice": (d,)}[variant]
        init = self.choice(["zeros", "ones", "copy"])
        size = str(shape[0]) if len(shape) == 1 else str(shape)
        if init == "copy":                  # a buffer that holds differentiated values already
            e = self.exact((d, d) if variant == "reshape" else shape, 1)
            template = "({e}).flatten()" if variant == "reshape" else self.choice(["1.0 * ({e})", "np.copy({e})",
                                                                                    "({e}).copy()"])
            made, bound = e.wrap(template, shape=shape), e.bound
        else:
            text = f"np.{init}({size})"
            made, bound = Expr(text, text, shape, 0.0 if init == "zeros" else 1.0), 0.0 if init == "zeros" else 1.0
        self.emit(f"{buf} = {made.plain}", f"{buf} = {made.instr}")
        i, j = self.integer(0, d - 1), self.integer(0, d - 1)
        if variant == "row":
            view_text, view_shape = f"{buf}[{i}]", (d,)
        elif variant == "transpose":
            view_text, view_shape = self.choice([f"{buf}.T", f"np.transpose({buf})", f"{buf}.transpose()"]), (d, d)
        elif variant == "reshape":
            view_text, view_shape = self.choice([f"{buf}.reshape({d}, {d})", f"np.reshape({buf}, ({d}, {d}))",
                                                 f"{buf}.reshape(({d}, {d}))"]), (d, d)
        else:
            view_text, view_shape = self.choice([(f"{buf}[1:]", (d - 1,)), (f"{buf}[::-1]", (d,)),
                                                 (f"{buf}[:-1]", (d - 1,))])
        self.emit(f"{view} = {view_text}")
        if len(view_shape) == 1:
            stores = [(f"[{min(j, view_shape[0] - 1)}]", (), "="), ("[:]", view_shape, "="),
                      ("", view_shape, "+="), ("", (), "*="), ("loop", (), "=")]
        else:
            stores = [(f"[{i}, {j}]", (), "="), (f"[{i}]", (d,), "="), (f"[:, {j}]", (d,), "="),
                      ("", view_shape, "-="), ("loop", (), "=")]
        index, part, op = self.choice(stores)
        looped = index == "loop"
        if looped:                          # every entry, one by one
            k = self.fresh_name("i")
            self.emit(f"for {k} in range({view_shape[0]}):")
            self.indent += 1
            self.loops.append((k, view_shape[0] - 1))
            self.scopes.append([Var(k, (), 3.0, storable=False, integer=True)])
            index = f"[{k}]" if len(view_shape) == 1 else f"[{k}, {k}]"
        e = self.expr(part, 1)
        if e.bound > 1.0:
            e = e.wrap("np.tanh({e})", bound=1.0)
        if op == "*=":
            e = e.wrap("0.5 + 0.4 * np.sin({e})", bound=0.9)
        self.emit(f"{view}{index} {op} {e.plain}", f"{view}{index} {op} {e.instr}")
        if looped:
            self.scopes.pop()
            self.loops.pop()
            self.indent -= 1
        bound = bound if op == "*=" else bound + e.bound
        store = "in a loop" if looped else f"{op} {index or 'whole'}"
        self.parts.mark("view", f"{variant}, {init}, {store}", buf, view)
        self.scopes[-1].append(Var(buf, shape, bound, storable=False))
        self.scopes[-1].append(Var(view, view_shape, bound, storable=False))
        self.alias(buf, {view})
        # a value of the buffer that fits the frame, read after the store
        entries = int(np.prod(shape))
        if len(self.frame) == 0:
            uses = [(f"np.sum({buf} * {buf})", (), bound * bound * entries),
                    (f"np.sum({buf})", (), bound * entries)]
        elif len(self.frame) == 1:
            whole = (f"np.sum({buf}, axis=0)", (d,), bound * d) if len(shape) == 2 else \
                (f"{buf}[:{d}]", (d,), bound)
            uses = [whole, (f"{view}[0]", view_shape[1:], bound)]
        elif variant == "reshape":
            uses = [(f"{buf}.reshape({d}, {d})", (d, d), bound), (f"np.sum({buf})", (), bound * entries)]
        else:
            uses = [(f"1.0 * {buf}", shape, bound), (f"np.sum({buf})", (), bound * entries)]
        text, used_shape, used_bound = self.choice(uses)
        target = self.fresh_name()
        e = self.squash(Expr(text, text, used_shape, used_bound))
        if shares(e.plain):
            e = e.wrap("1.0 * ({e})")
        self.emit(f"{target} = {e.plain}", f"{target} = {e.instr}")
        self.define(target, e)
        self.keep(target, "view")

    # -- updates in place where memory may be shared (construct "inplace") ------------------------
    def _inplace_statement(self):
        """``z = a`` then ``z op= e``, or a helper that updates a parameter in place: the variants of
        INPLACE_VARIANTS. Written at the top of f (so that the return reads every name)."""
        if self.helper_depth or self.indent != 1 or self.loops:
            return self._assign_statement()
        variant = self.choice([v for v, (_, weight) in sorted(INPLACE_VARIANTS.items()) for _ in range(weight)])
        if variant.startswith("helper"):
            return self._inplace_helper(variant)
        arrays = [v for v in self.variables() if v.shape != () and not v.integer]
        scalars = [v for v in self.variables() if v.shape == () and not v.integer]
        if variant != "scalar alias" and not arrays:
            variant = "scalar alias"
        z = self.fresh_name()
        if variant == "scalar alias":
            source = self._scalar_source(scalars)
            self.emit(f"{z} = {source.name}")
            shape, bound = source.shape, source.bound
        elif variant == "view alias" and any(len(v.shape) in (1, 2) and v.shape[0] > 1 for v in arrays):
            source = self.choice([v for v in arrays if len(v.shape) in (1, 2) and v.shape[0] > 1])
            view, shape = self.choice([(f"{source.name}[1:]", (source.shape[0] - 1,) + source.shape[1:]),
                                       (f"{source.name}[::-1]", source.shape)]
                                      + ([(f"{source.name}.T", source.shape[::-1]),
                                          (f"{source.name}[0]", source.shape[1:])] if len(source.shape) == 2 else []))
            self.emit(f"{z} = {view}")
            bound = source.bound
        else:
            source = self.choice(arrays)
            if variant == "copied alias":
                self.emit(self.choice([f"{z} = np.copy({source.name})", f"{z} = {source.name}.copy()",
                                       f"{z} = 1.0 * {source.name}"]))
                if self.chance(30):
                    self.emit(f"{z} = {z} * 0.5")     # rebound: a new array either way
            else:
                variant = "array alias"
                self.emit(f"{z} = {source.name}")
            shape, bound = source.shape, source.bound
        plain, instr, bound = self._update_text(z, shape, bound)
        self.emit(plain, instr)
        self.parts.mark("inplace", variant, z)
        var = Var(z, shape, bound, storable=False)
        self.scopes[-1].append(var)
        if INPLACE_VARIANTS[variant][0]:
            self.alias(z, {source.name})
            source.storable = False
        self.keep(z, "inplace")
        if source.name != z:
            self.live.append(source.name)         # read after the update: a change to it shows

    def _scalar_source(self, scalars):
        """A name holding a float: a float variable, or one made now from a constant, a reduction
        of a whole array or a size."""
        options = ["constant", "reduction"] + (["variable"] * 2 if scalars else []) \
            + (["size"] if any(len(s) for _, s in self.params) else [])
        kind = self.choice(options)
        if kind == "variable":
            return self.choice(scalars)
        name = self.fresh_name()
        if kind == "constant":
            value = self.constant(0.1, 0.9)
            text, bound = _num(value), abs(value)
        elif kind == "size":
            param = self.choice([p for p, s in self.params if len(s)])
            text, bound = f"0.25 * {param}.shape[0]", 0.25 * max(self.dim, 3)
        else:
            e = self.squash(self.reduce_all(self.expr(self.frame, 1)))
            self.emit(f"{name} = {e.plain}", f"{name} = {e.instr}")
            var = Var(name, (), e.bound, storable=False)
            self.scopes[-1].append(var)
            return var
        self.emit(f"{name} = {text}")
        var = Var(name, (), bound, storable=False)
        self.scopes[-1].append(var)
        return var

    def _update_text(self, name, shape, bound):
        """(plain, instrumented, new bound) of ``name op= e`` for a value of ``shape``."""
        e = self.expr(shape, 1)
        op = self.choice(["+=", "-=", "*="])
        if op == "*=":
            e = e.wrap("0.5 + 0.4 * np.sin({e})", bound=0.9)
        elif e.bound > 1.0:
            e = e.wrap("np.tanh({e})", bound=1.0)
        new = bound * 0.9 if op == "*=" else bound + e.bound
        return f"{name} {op} {e.plain}", f"{name} {op} {e.instr}", new

    def _inplace_helper(self, variant):
        """``r = hN(e, arg)``, hN updating its second parameter in place; ``arg`` a new array, a
        named array (whose change f sees) or a float."""
        arrays = [v for v in self.variables() if v.shape != () and not v.integer]
        scalars = [v for v in self.variables() if v.shape == () and not v.integer]
        if variant == "helper, named array" and not arrays:
            variant = "helper, new array"
        if variant == "helper, scalar":
            source = self._scalar_source(scalars)
            arg = Expr(source.name, source.name, (), source.bound, leaf=True)
        elif variant == "helper, named array":
            source = self.choice(arrays)
            arg = Expr(source.name, source.name, source.shape, source.bound, leaf=True)
        else:
            arg = self.fresh_expr(self.frame, 1)
            if self.chance(30):
                zeros = f"np.zeros({self.frame[0]})" if len(self.frame) == 1 else \
                    f"np.zeros({self.frame})" if self.frame else "0.0"
                arg = Expr(f"{zeros} + {arg.plain}", f"{zeros} + {arg.instr}", self.frame, arg.bound)
        first = self.expr(arg.shape, 1)
        name = f"helper{len(self.helpers) + 1}"
        op, change, result = self.choice([
            ("+=", "0.3 * np.tanh(p0)", "p0 * p1"), ("*=", "0.5 + 0.4 * np.sin(p0)", "np.tanh(p1) + p0"),
            ("-=", "0.2 * p0", "p1 * p1 + 0.5 * p0")])
        body = [f"def {name}(p0, p1):", f"    p1 {op} {change}", f"    return {result}"]
        self.helpers.append((name, [], -1, [], None))     # never reused: its own signature
        self.helper_texts.append((body, body))
        p1 = arg.bound * 0.9 if op == "*=" else arg.bound + 0.3 * max(first.bound, 1.0)
        bound = {"+=": first.bound * p1, "*=": 1.0 + first.bound, "-=": p1 * p1 + 0.5 * first.bound}[op]
        r = self.fresh_name()
        e = self.squash(Expr(f"{name}({first.plain}, {arg.plain})", f"{name}({first.instr}, {arg.instr})",
                             broadcast(first.shape, arg.shape), bound))
        self.emit(f"{r} = {e.plain}", f"{r} = {e.instr}")
        self.scopes[-1].append(Var(r, e.shape, e.bound, storable=False))
        self.parts.mark("inplace", variant, name, r)
        self.keep(r, "inplace")
        if variant == "helper, named array":
            source.storable = False
            self.live.append(source.name)

    def _closure_statement(self):
        """sc = make(a): a closure made by a module-level helper, and a call of it."""
        body, captures, bound_of = self.choice(CLOSURE_BODIES)
        style = self.choice(["lambda", "def"])
        maker = self.parts.maker(body, style, captures)
        caps = [self.fresh_expr(self.frame) for _ in range(captures)]
        for k, c in enumerate(caps):
            if c.bound > 2.0:
                caps[k] = c.wrap("np.tanh({e})", bound=1.0)
        name = self.fresh_name("sc")
        self.emit(f"{name} = {maker}({', '.join(c.plain for c in caps)})",
                  f"{name} = {maker}({', '.join(c.instr for c in caps)})")
        shape = broadcast(*(c.shape for c in caps))
        bounds = [c.bound for c in caps] + [0.0]
        self.closures.append((name, len(self.scopes), bound_of, bounds[0], bounds[1], shape))
        self.parts.mark("closure", f"{style}, {captures} captured", name, maker,
                        regex=[r"\blambda\b", r"\binner\b"])
        e = self._closure_call(self.frame, 1, name)
        if e is None:
            e = self.leaf(self.frame)
        target = self.fresh_name()
        self.emit(f"{target} = {e.plain}", f"{target} = {e.instr}")
        self.define(target, e)
        self.keep(target, "closure")

    def _closure_call(self, within, depth, name=None):
        options = [c for c in self.closures if (name is None or c[0] == name) and fits(c[5], within)]
        if not options:
            return None
        closure, _, bound_of, a_bound, b_bound, shape = self.choice(options)
        t = self.expr(within, depth + 1)
        if t.bound > 2.0:
            t = t.wrap("np.tanh({e})", bound=1.0)
        shape = broadcast(shape, t.shape)
        if not fits(shape, within):
            return None
        bound = bound_of(a_bound, b_bound, t.bound)
        return self.squash(Expr(f"{closure}({t.plain})", f"{closure}({t.instr})", shape, bound))

    def _rc(self, within, depth):
        """np.r_[a, b] and np.c_[a, b], and a part of them that fits ``within``."""
        d = self.dim
        which = self.choice(["r", "c"])
        if within == () or self.chance(30):
            a, b = self.scalar(depth + 1), self.scalar(depth + 1)
            A, B = a.bound, b.bound
            options = {"r": [("np.sum(np.r_[{a}, {b}] ** 2)", A * A + B * B), ("np.r_[{a}, {b}][1]", B),
                             ("np.prod(np.r_[{a}, {b}, 0.5])", 0.5 * A * B)],
                       "c": [("np.sum(np.c_[{a}, {b}])", A + B), ("np.c_[{a}, {b}][0, 1]", B)]}[which]
            template, bound = self.choice(options)
            shape = ()
        else:
            matrix = len(within) == 2 and self.chance(40)
            shape = (d, d) if matrix else (d,)
            a, b = self.exact(shape, depth + 1), self.exact(shape, depth + 1)
            k = self.integer(0, d)
            bound = max(a.bound, b.bound)
            if which == "r":
                options = [(f"np.r_[{{a}}, {{b}}][{k}:{k + d}]", bound)]
                if not matrix:
                    options.append((f"np.r_[{{a}}, 0.5, {{b}}][{k}:{k + d}]", max(bound, 0.5)))
            else:
                options = [(f"np.c_[{{a}}, {{b}}][:, {k}:{k + d}]", bound)] if matrix else \
                    [(f"np.c_[{{a}}, {{b}}][:, {k % 2}]", bound), ("np.sum(np.c_[{a}, {b}], axis=1)", 2 * bound)]
            template, bound = self.choice(options)
            if not fits(shape, within):
                return None
        self.parts.mark(f"rc", f"np.{which}_, {'scalars' if shape == () else 'arrays'}",
                        regex=[r"\b(np|numpy)\.[rc]_\["])
        return Expr(template.format(a=a.plain, b=b.plain), template.format(a=a.instr, b=b.instr), shape, bound)

    # -- the whole module -------------------------------------------------------------
    def write(self):
        parts = self.parts
        params = [name for name, _ in self.params] + ["n"]
        if "default" in self.extras and self.chance(50):       # f itself has a default argument
            source = self.choice(DEFAULT_SOURCES)
            text, bound, marks = parts.default(source)
            name = self.fresh_name("c")
            self.scopes[0].append(Var(name, (), bound, storable=False))
            params.append(f"{name}={text}")
            parts.mark("default", f"f, {source}", name, *marks)
        self.block(self.integer(2, 8))
        self.force_constructs()
        e = self.with_live(self.result())
        self.emit(f"return {e.plain}", f"return {e.instr}")
        decorator = []
        if "wraps" in self.extras and (not parts.variants["wraps"] or self.chance(25)):
            variant = self.choice(sorted(DECORATORS))
            decorator = [f"@{parts.decorator(variant)}\n"]
            parts.mark("wraps", f"f, {variant}", decorator[0][1:-1], "fn", "wrapper", "functools",
                       regex=[r"^def f\("])
        header = "import math\n\nimport numpy as np\n"
        if parts.imports:
            header = "".join(f"import {m}\n" for m in sorted(parts.imports)) + header
        preamble = "".join("\n\n" + "\n".join(block) + "\n" for block in parts.preamble)
        postamble = "".join("\n" + line for line in parts.postamble) + ("\n" if parts.postamble else "")
        plain_helpers = "".join("\n\n" + "\n".join(p) + "\n" for p, _ in self.helper_texts)
        instr_helpers = "".join("\n\n" + "\n".join(i) + "\n" for _, i in self.helper_texts)
        head = f"\n\n{''.join(decorator)}def f({', '.join(params)}):\n"
        plain = header + preamble + plain_helpers + head + "\n".join(self.plain) + "\n" + postamble
        instr = header + preamble + instr_helpers + head + "\n".join(self.instr) + "\n" + postamble
        rename = {}
        self.rename = rename
        if "np_free" in self.extras:
            plain, instr, rename = self.without_np(plain, instr)
        if "clash" in self.extras:
            plain, instr, rename = self.clash(plain, instr, rename)
        self.rename = rename
        self.constructs = {c: sorted(v) for c, v in parts.variants.items() if v}
        self.markers = {c: sorted({_marker_regex(m, rename) for m in marks}) for c, marks in parts.markers.items()
                        if c in self.constructs}
        return plain, instr

    def force_constructs(self):
        """Write each construct this program may hold and has not written yet (at the top of f)."""
        parts = self.parts
        for construct in ("list", "view", "closure", "inplace"):
            if construct in self.extras and not parts.variants[construct]:
                getattr(self, f"_{construct}_statement")()
        if "rc" in self.extras and not parts.variants["rc"]:
            e = self._rc(self.frame, 0)
            name = self.fresh_name()
            self.emit(f"{name} = {e.plain}", f"{name} = {e.instr}")
            self.define(name, e)
            self.keep(name, "rc")
        for construct in ("default", "wraps"):
            if construct not in self.extras or parts.variants[construct]:
                continue
            if construct == "default" or self.chance(50):       # else f is decorated, in write()
                args = [self.expr(self.frame, 1)]
                helper, ((shape, bound),), default = self.helper_for([(args[0].shape, args[0].bound)], 1, construct)
                plain, instr = self.arguments(args, default)
                name = self.fresh_name()
                e = self.squash(Expr(f"{helper}({plain})", f"{helper}({instr})", shape, bound))
                self.emit(f"{name} = {e.plain}", f"{name} = {e.instr}")
                self.define(name, e)
                self.keep(name, construct)

    RENAMABLE = r"\b(x\d+|v\d+|i\d+|k\d+|acc\d+|row\d+|p\d+|c\d+|helper\d+|buf\d+|view\d+|ys\d+|sc\d+|make\d+|n)\b"

    @staticmethod
    def _rename(text, mapping):
        if not mapping:
            return text
        pattern = r"\b(" + "|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True)) + r")\b"
        return re.sub(pattern, lambda m: mapping[m.group(1)], text)

    def without_np(self, plain, instr):
        """``import numpy`` and ``from numpy import ...`` instead of ``import numpy as np``; the name
        ``np`` then names a parameter of f."""
        attrs = sorted(set(re.findall(r"\bnp\.([A-Za-z_]\w*)", plain + instr)))
        bare = [a for a in attrs if a not in ("linalg", "random", "r_", "c_", "newaxis", "pi", "e")
                and callable(getattr(np, a, None)) and self.chance(60)]
        def rewrite(text):
            text = re.sub(r"\bnp\.([A-Za-z_]\w*)",
                          lambda m: m.group(1) if m.group(1) in bare else "numpy." + m.group(1), text)
            imports = "import numpy\n" + (f"from numpy import {', '.join(bare)}\n" if bare else "")
            return text.replace("import numpy as np\n", imports, 1)
        plain, instr = rewrite(plain), rewrite(instr)
        target = self.choice([name for name, _ in self.params])
        rename = {target: "np"}
        self.parts.mark("np_free", f"{'some' if bare else 'no'} names imported from numpy, a parameter named np",
                        *bare, regex=[r"\bnp\b", r"\bnumpy\b"])
        return self._rename(plain, rename), self._rename(instr, rename), rename

    def clash(self, plain, instr, rename):
        """Rename parameters, locals, loop variables and helpers to names tangent_ad generates or imports."""
        existing = set(re.findall(r"[A-Za-z_]\w*", plain + instr))
        names = sorted(set(re.findall(self.RENAMABLE, plain)))
        by_kind, kind_of = collections.defaultdict(list), {}
        for name in names:
            prefix = re.match(r"[a-z]+", name).group(0)
            kind_of[name] = {"x": "param", "n": "param", "i": "loop", "k": "loop", "p": "hparam", "c": "hparam",
                             "helper": "helper", "make": "helper"}.get(prefix, "local")
            by_kind[kind_of[name]].append(name)
        themes = {"generated": (["local", "loop", "param"], GENERATED_NAMES),
                  "adjoint": (["local", "loop", "hparam"], ADJOINT_NAMES),
                  "runtime": (["local", "hparam", "helper", "param", "loop"], RUNTIME_NAMES),
                  "derivative": (["local", "helper"], DERIVATIVE_NAMES)}
        mapping = {}
        used = set(existing)
        chosen = sorted(set(self.choice(sorted(themes)) for _ in range(self.integer(1, 2))))
        for theme in chosen:
            kinds, pool = themes[theme]
            if theme == "adjoint" and "x0" in names and "x0" not in mapping and "x" not in used:
                mapping["x0"] = "x"             # so that x_bar and x_dot clash
                used.add("x")
            if theme == "derivative" and by_kind["helper"] and "g" not in used:
                first = self.choice(by_kind["helper"])
                if first not in mapping:
                    mapping[first] = "g"        # so that g_grad and g_jvp clash
                    used.add("g")
            candidates = [n for k in kinds for n in by_kind[k] if n not in mapping]
            for _ in range(self.integer(1, 3)):
                free = [p for p in pool if p not in used]
                if not candidates or not free:
                    break
                old = self.choice(candidates)
                candidates.remove(old)
                mapping[old] = self.choice(free)
                used.add(mapping[old])
        if not mapping:
            return plain, instr, rename
        self.parts.mark("clash", ", ".join(chosen),
                        regex=[r"\b" + re.escape(new) + r"\b" for new in mapping.values()])
        self.parts.variants["clash"] = {f"{kind_of[old]} named {new}" for old, new in mapping.items()}
        merged = dict(rename)
        merged.update(mapping)
        return self._rename(plain, mapping), self._rename(instr, mapping), merged


# functions that may return (a view of) their argument
VIEW_FUNCTIONS = {"np.asarray", "np.ascontiguousarray", "np.real", "np.reshape", "np.transpose", "np.squeeze",
                  "np.expand_dims", "np.flip", "np.diag", "np.diagonal", "np.broadcast_to", "np.atleast_2d",
                  "np.ravel", "np.swapaxes", "np.moveaxis", "np.fliplr", "np.flipud", "np.conj", "np.conjugate"}
FRESH_METHODS = {"sum", "mean", "dot", "copy", "max", "min", "prod", "var", "std", "cumsum", "cumprod",
                 "round", "clip"}


def varies(text, spread=False):
    """Whether the expression depends on a variable (a guard on a constant sits at a fixed distance
    from its boundary, often 0); with ``spread``, also whether its entries can differ (not a scalar
    broadcast by np.ones)."""
    import re
    if re.search(r"\b(x|v|p|acc|row)\d+\b", text) is None:
        return False
    return not (spread and "np.ones(" in text)


def _dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else base + "." + node.attr
    return None


def _root(node):
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def shares(text):
    """Names whose memory the value of the expression ``text`` may share (as tangent_ad judges it)."""
    node = ast.parse(text, mode="eval").body
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, (ast.Subscript, ast.Attribute)):
        root = _root(node)
        return {root} if root else set()
    if not isinstance(node, ast.Call):
        return set()
    spelling = _dotted(node.func)
    if spelling is None or not spelling.startswith(("np.", "math.")) and "." in spelling:
        if isinstance(node.func, ast.Attribute) and node.func.attr in FRESH_METHODS:
            return set()
        root = _root(node.func.value) if isinstance(node.func, ast.Attribute) else None
        return {root} if root else set()
    if spelling.startswith("helper"):
        return set()
    obj = _function_of(spelling) if spelling.startswith(("np.", "math.")) or spelling in ("abs", "float", "pow") \
        else None
    if isinstance(obj, np.ufunc) or spelling not in VIEW_FUNCTIONS:
        return set()
    names = set()
    for arg in list(node.args) + [k.value for k in node.keywords]:
        root = _root(arg) if isinstance(arg, (ast.Name, ast.Subscript, ast.Attribute)) else None
        if root:
            names.add(root)
    return names


# ----------------------------------------------------------------------------- strategies
KINDS = ("scalar", "vector", "matrix")


@st.composite
def programs(draw, kind="vector", constructs=False, only=None):
    """A random :class:`Program` of one kind: ``scalar`` (float inputs only), ``vector``
    (floats and vectors) or ``matrix`` (floats, vectors, rows, columns and square matrices).

    ``constructs=True`` mixes in one, two or three of the constructs of ``CONSTRUCTS`` (one in half
    of the programs, so that a refusal of one does not hide the others too often); a number between
    0 and 1 does so for that share of the programs; ``only`` (names of constructs) draws them from
    these alone. With ``constructs=False`` the programs are the same as before the constructs were
    added."""
    extras = ()
    if constructs is not False and (constructs is True or draw(st.integers(0, 99)) < 100 * constructs):
        names = sorted(only or CONSTRUCTS)
        count = min(draw(st.sampled_from([1, 1, 2, 3])), len(names))
        extras = draw(st.lists(st.sampled_from(names), min_size=count, max_size=count, unique=True))
    dim = draw(st.sampled_from([3, 2]))
    if kind == "scalar":
        frame, shapes = (), [()]
    elif kind == "vector":
        frame, shapes = (dim,), [(dim,), ()]
    else:
        frame, shapes = (dim, dim), [(dim, dim), (dim,), (1, dim), (dim, 1), ()]
    count = draw(st.integers(1, 3))
    params = [(f"x{k}", draw(st.sampled_from(shapes))) for k in range(count)]
    writer = Writer(draw, kind, frame, params, ModuleParts(extras))
    plain, instr = writer.write()
    n = draw(st.integers(0, 3))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    params = [(writer.rename.get(name, name), shape) for name, shape in params]
    return Program(plain, instr, params, n, seed, kind, writer.constructs, writer.markers)


# ----------------------------------------------------------------------------- the recorder
class Recorder:
    """Notes every decision an instrumented program takes, and how far it was from flipping."""

    def __init__(self):
        self.trace = []
        self.margin = math.inf

    def _note(self, kind, decision, distance):
        self.trace.append((kind, decision))
        distance = float(np.min(distance)) if np.size(distance) else math.inf
        self.margin = min(self.margin, distance)

    def gt(self, a, b):
        result = a > b
        self._note("gt", _key(result), np.abs(np.asarray(a, float) - np.asarray(b, float)))
        return result

    def lt(self, a, b):
        result = a < b
        self._note("lt", _key(result), np.abs(np.asarray(a, float) - np.asarray(b, float)))
        return result

    def sign(self, e):
        self._note("sign", _key(np.sign(e)), np.abs(e))
        return e

    def pair(self, a, b):
        self._note("pair", _key(np.asarray(a) > np.asarray(b)), np.abs(np.asarray(a, float) - np.asarray(b, float)))
        return a, b

    def ties(self, e, axis):
        values = np.asarray(e, float)
        if axis is None:
            values = values.reshape(-1)
            axis = 0
        if values.shape[axis] > 1:
            ordered = np.sort(values, axis=axis)
            top = np.take(ordered, -1, axis=axis) - np.take(ordered, -2, axis=axis)
            bottom = np.take(ordered, 1, axis=axis) - np.take(ordered, 0, axis=axis)
            self._note("ties", _key(np.argmax(values, axis=axis)) + _key(np.argmin(values, axis=axis)),
                       np.minimum(top, bottom))
        return e

    def spread(self, e):
        values = np.asarray(e, float)
        self._note("spread", (), np.std(values) if values.size > 1 else 0.0)
        return e

    def nonzero(self, e):
        self._note("norm", (), np.linalg.norm(np.asarray(e, float)))
        return e

    def bounds(self, e, lo, hi):
        values = np.asarray(e, float)
        self._note("clip", _key((values < lo) * 1 + (values > hi) * 2), np.minimum(np.abs(values - lo),
                                                                                  np.abs(values - hi)))
        return e

    def whole(self, e):
        values = np.asarray(e, float)
        self._note("floor", _key(np.floor(values)), np.abs(values - np.round(values)))
        return e

    def half(self, e):
        values = np.asarray(e, float)
        self._note("round", _key(np.round(values)), np.abs(values - np.floor(values) - 0.5))
        return e


def _key(value):
    return tuple(np.asarray(value).reshape(-1).tolist())


# ----------------------------------------------------------------------------- the check
REJECTIONS = collections.Counter()     # why inputs were redrawn, for tuning the generator


class Rejected(Exception):
    """No inputs were found where the program is smooth and tame: not a finding."""


_module_ids = itertools.count(1)


def load(text, directory, stem):
    """Write ``text`` to a .py file (tangent_ad reads real source files) and import it."""
    path = os.path.join(directory, f"{stem}_{next(_module_ids)}.py")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _copy(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def draw_inputs(program, rng):
    args = []
    for _, shape in program.params:
        if shape == ():
            args.append(float(rng.uniform(-INPUT_BOUND, INPUT_BOUND)))
        else:
            args.append(rng.uniform(-INPUT_BOUND, INPUT_BOUND, shape))
    return args


def five_point(phi, h):
    """The 5-point central difference of tests/conftest.py (``central_difference``)."""
    p1, m1, p2, m2 = phi(h), phi(-h), phi(2 * h), phi(-2 * h)
    return (8.0 * (p1 - m1) - (p2 - m2)) / (12.0 * h)


FD_STEP = 1e-3


def settled_difference(phi, step):
    """The 5-point difference at ``step``, ``step / 10`` and ``step / 100``, the first that agrees
    with the next (a function that curves sharply needs the smaller steps); raises Rejected
    when none does."""
    previous = five_point(phi, step)
    for divisor in (10.0, 100.0):
        current = five_point(phi, step / divisor)
        if abs(current - previous) <= 1e-6 * (1.0 + abs(current)):
            return current
        previous = current
    raise Rejected


def run_instrumented(module, args, n):
    recorder = Recorder()
    module._g = recorder
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        try:
            value = module.f(*_copy(args), n)
        except FloatingPointError:
            return None, recorder
    return value, recorder


def smooth_point(program, instrumented, rng, attempts=6):
    """(inputs, value, gradient by central differences) at a point away from every kink."""
    for _ in range(attempts):
        args = draw_inputs(program, rng)
        value, recorder = run_instrumented(instrumented, args, program.n)
        if value is None or not np.isfinite(value) or abs(value) > 1e5:
            REJECTIONS["not finite or too large"] += 1
            continue
        if recorder.margin < MARGIN:
            REJECTIONS["next to a kink or boundary"] += 1
            continue
        reference = recorder.trace
        gradient, smooth = [], True
        for k, a in enumerate(args):
            cells = [()] if isinstance(a, float) else list(np.ndindex(*a.shape))
            g = np.zeros(np.shape(a))
            for cell in cells:
                def phi(t, k=k, cell=cell):
                    moved = _copy(args)
                    if cell == ():
                        moved[k] = moved[k] + t
                    else:
                        moved[k][cell] += t
                    out, rec = run_instrumented(instrumented, moved, program.n)
                    if out is None or rec.trace != reference:
                        raise Rejected
                    return float(out)
                step = FD_STEP * max(1.0, abs(float(a if cell == () else a[cell])))
                try:
                    g[cell] = settled_difference(phi, step)
                except Rejected:
                    smooth = False
                    break
            if not smooth:
                REJECTIONS["a decision flips, or the differences do not settle"] += 1
                break
            gradient.append(float(g) if isinstance(a, float) else g)
        if smooth:
            return args, value, gradient
    raise Rejected


MODES = ("reverse", "forward")


@dataclass
class Refusal:
    """A TransformError of one mode, at a line of the program that holds a construct."""
    mode: str
    constructs: tuple             # the constructs on the refused line
    lineno: int
    message: str                  # the error's message, without the file's path


@dataclass
class Outcome:
    """What happened to one program: per mode, refused or checked against central differences."""
    program: Program
    refused: dict = field(default_factory=dict)     # mode -> Refusal
    checked: list = field(default_factory=list)     # the modes whose derivatives were checked


def refusal(program, path, mode, err):
    """``err`` as the refusal of ``mode``, checked: it names the program's file, a line of it, the
    construct, and that line holds one of the constructs that may be refused (a refusal of an
    ordinary line, which the subset promises to differentiate, is a finding)."""
    context = "\n" + program.describe()
    assert err.filename and os.path.realpath(err.filename) == os.path.realpath(path), \
        f"refused, naming the file {err.filename!r} instead of the program's {path}: {err}" + context
    lines = program.source.splitlines()
    assert isinstance(err.lineno, int) and 1 <= err.lineno <= len(lines), \
        f"refused, naming line {err.lineno!r}, which the program does not have: {err}" + context
    assert str(err).startswith(f"{err.filename}:{err.lineno}:"), \
        f"refused with a message that does not start with file:line: {err}" + context
    assert getattr(err, "construct", None), f"refused without naming the construct: {err}" + context
    constructs = program.constructs_at(err.lineno, getattr(err, "detail", str(err)))
    assert constructs, (f"refused an ordinary line: {getattr(err, 'detail', str(err))} [{mode} mode, line "
                        f"{err.lineno}: {lines[err.lineno - 1].strip()}]" + context)
    message = getattr(err, "detail", str(err)).splitlines()[0]
    return Refusal(mode, constructs, err.lineno, message)


def _close(what, got, expected, rtol, atol, context):
    """assert_allclose with ``what`` first in the message (the failure's class in the batches)."""
    try:
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    except AssertionError as exc:
        raise AssertionError(f"{what}: {exc}" + context) from None


def check_program(program, directory):
    """Differentiate ``program`` in both modes and check it. Returns an :class:`Outcome`; raises
    AssertionError (or the error tangent_ad raised) on a finding, :class:`Rejected` when no smooth
    point was found.

    Per mode, exactly two outcomes pass: a TransformError at a line holding one of the program's
    constructs (see :func:`refusal`), or derivatives that agree with central differences (and,
    when both modes run, with each other). A program without constructs has to pass every check."""
    module = load(program.source, directory, f"program_{program.kind}")
    instrumented = load(program.instrumented, directory, f"instrumented_{program.kind}")
    f = module.f
    path = module.__file__
    outcome = Outcome(program)
    wrt = tuple(range(len(program.params)))

    def attempt(mode, action):
        """Runs ``action``: True when it passed, False when ``mode`` was refused."""
        try:
            action()
            return True
        except tad.TransformError as err:
            outcome.refused[mode] = refusal(program, path, mode, err)
            return False

    # a refusal needs no inputs: transform first (but an update in place is judged by the kinds of
    # the arguments, a Python float or an array, which only a call tells)
    if program.constructs and "inplace" not in program.constructs:
        for mode in MODES:
            attempt(mode, lambda mode=mode: tad.derivative(f, mode=mode, wrt=wrt))
        if len(outcome.refused) == len(MODES):
            return outcome
    rng = np.random.default_rng(program.value_seed)
    args, value, numeric = smooth_point(program, instrumented, rng)
    n = program.n
    expected = f(*_copy(args), n)          # f may store into its arguments
    context = "\n" + program.describe()
    assert expected == value, "the instrumented copy computes something else: a generator bug" + context
    scale = 1.0 + max(float(np.max(np.abs(g))) for g in numeric)
    tangents = [float(rng.standard_normal()) if isinstance(a, float) else rng.standard_normal(a.shape)
                for a in args]
    grads = []

    def reverse():
        # value and gradient against the function and central differences
        call = _copy(args)
        got_value, got = tad.value_and_grad(f, wrt=wrt)(*call, n)
        for k, (a, b) in enumerate(zip(call, args)):
            assert np.array_equal(a, b), f"an input was changed by value_and_grad: x{k}" + context
        assert np.isclose(got_value, expected, rtol=1e-12, atol=1e-12), \
            f"wrong value from value_and_grad: {got_value!r}, f(...) = {expected!r}" + context
        for k, (g, ref, a) in enumerate(zip(got, numeric, args)):
            if isinstance(a, float):
                assert isinstance(g, float), \
                    f"the gradient of a float is not a float: {type(g).__name__}" + context
            else:
                assert isinstance(g, np.ndarray) and g.shape == a.shape, \
                    f"gradient of an array has the wrong shape: {np.shape(g)}, the input {a.shape}" + context
            _close(f"reverse gradient vs central differences (x{k})", g, ref, 1e-5, 1e-6 * scale, context)
        # vjp with a seed: every cotangent scales with it; the int gets None
        out, f_vjp = tad.vjp(f, *_copy(args), n)
        assert np.isclose(out, expected, rtol=1e-12, atol=1e-12), \
            f"wrong value from vjp: {out!r}, f(...) = {expected!r}" + context
        seed = 1.5
        cotangents = f_vjp(seed)
        assert len(cotangents) == len(args) + 1 and cotangents[-1] is None, \
            f"wrong cotangents from vjp: {cotangents!r}" + context
        for k, (c, g) in enumerate(zip(cotangents, got)):
            _close(f"vjp cotangent vs the reverse gradient (x{k})", c, seed * np.asarray(g), 1e-10, 1e-12 * scale,
                   context)
        grads.extend(got)

    def forward():
        # the tangent along random directions against central differences
        call = _copy(args)
        out, out_dot = tad.jvp(f, tuple(call) + (n,), tuple(tangents) + (None,))
        for k, (a, b) in enumerate(zip(call, args)):
            assert np.array_equal(a, b), f"an input was changed by jvp: x{k}" + context
        assert np.isclose(out, expected, rtol=1e-12, atol=1e-12), \
            f"wrong value from jvp: {out!r}, f(...) = {expected!r}" + context
        # the tolerance of the gradient's entries (rtol 1e-5, atol 1e-6 * scale), summed along v
        numeric_dot = float(sum(np.sum(np.asarray(g) * np.asarray(v)) for g, v in zip(numeric, tangents)))
        allowed = float(sum(1e-5 * np.sum(np.abs(np.asarray(g) * np.asarray(v))) + 1e-6 * scale * np.sum(np.abs(v))
                            for g, v in zip(numeric, tangents)))
        assert abs(float(out_dot) - numeric_dot) <= allowed, \
            (f"forward tangent vs central differences: {float(out_dot)!r} != {numeric_dot!r} "
             f"(<central differences, tangent>)" + context)
        forward.out_dot = float(out_dot)

    for mode, action in (("reverse", reverse), ("forward", forward)):
        if mode not in outcome.refused and attempt(mode, action):
            outcome.checked.append(mode)
    if len(outcome.checked) == 2:
        # forward mode against reverse mode: <J v, 1> == <v, J^T 1>
        terms = [np.sum(np.asarray(g) * np.asarray(v)) for g, v in zip(grads, tangents)]
        dot = float(sum(terms))
        size = float(sum(np.sum(np.abs(np.asarray(g) * np.asarray(v))) for g, v in zip(grads, tangents)))
        assert abs(forward.out_dot - dot) <= 1e-9 * (size + scale), \
            f"forward tangent vs the reverse gradient: {forward.out_dot!r} != {dot!r}" + context
    return outcome


def check_or_reject(program, directory):
    """The check inside a Hypothesis test: a program without a smooth point is rejected."""
    try:
        return check_program(program, directory)
    except Rejected:
        assume(False)


# ----------------------------------------------------------------------------- drawn with a seed
class SeededWriter(Writer):
    """A Writer whose draws come from ``random.Random`` (passed as ``draw``) instead of Hypothesis:
    a batch of programs from one seed, for a measurement (see :func:`inplace_batch`)."""

    def choice(self, options):
        return self.draw.choice(list(options))

    def chance(self, percent):
        return self.draw.randrange(100) >= 100 - percent

    def integer(self, lo, hi):
        return self.draw.randint(lo, hi)


def seeded_program(rng, kind, extras=()):
    """A :class:`Program` like :func:`programs` draws, from the ``random.Random`` ``rng``."""
    dim = rng.choice([3, 2])
    frame, shapes = {"scalar": ((), [()]), "vector": ((dim,), [(dim,), ()]),
                     "matrix": ((dim, dim), [(dim, dim), (dim,), (1, dim), (dim, 1), ()])}[kind]
    params = [(f"x{k}", rng.choice(shapes)) for k in range(rng.randint(1, 3))]
    writer = SeededWriter(rng, kind, frame, params, ModuleParts(extras))
    plain, instr = writer.write()
    return Program(plain, instr, params, rng.randint(0, 3), rng.randrange(2 ** 32), kind,
                   writer.constructs, writer.markers)


class _Functional(ast.NodeTransformer):
    """``z op= e`` written ``z = z op e``: the same values, but nothing changes in place."""

    def visit_AugAssign(self, node):
        if not isinstance(node.target, ast.Name):
            return node
        load = ast.Name(id=node.target.id, ctx=ast.Load())
        return ast.copy_location(ast.Assign(targets=[node.target], value=ast.BinOp(load, node.op, node.value)),
                                 node)


def functional_variant(source):
    """The module with every ``z op= e`` on a name rewritten ``z = z op e`` (copy on write)."""
    return ast.unparse(ast.fix_missing_locations(_Functional().visit(ast.parse(source))))


def updates_visible_memory(program, directory, attempts=3):
    """Whether ``program`` really changes memory that another of its names holds: decided by
    running it and its copy-on-write twin (:func:`functional_variant`) on the same inputs and
    comparing what ``f`` returns and what each of its names holds when it returns; an update
    that no other name sees leaves all of them the same, to the last bit."""
    module = load(program.source, directory, f"as_written_{program.kind}")
    twin = load(functional_variant(program.source), directory, f"copy_on_write_{program.kind}")
    rng = np.random.default_rng(program.value_seed)
    for _ in range(attempts):
        args = draw_inputs(program, rng)
        with np.errstate(all="ignore"):
            first, second = _run_with_locals(module.f, args, program.n), _run_with_locals(twin.f, args, program.n)
        if not _same(first, second):
            return True
    return False


def _run_with_locals(f, args, n):
    """(what ``f(*args, n)`` returns, {name: value} of its locals when it returns)."""
    seen = {}

    def trace(frame, event, arg):
        if frame.f_code is not f.__code__:
            return None
        if event == "return":
            seen.update({k: _copy([v])[0] for k, v in frame.f_locals.items()})
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        value = f(*_copy(args), n)
    finally:
        sys.settrace(previous)
    return value, seen


def _same(first, second):
    (value, names), (other_value, other_names) = first, second
    if set(names) != set(other_names):
        return False
    pairs = [(value, other_value)] + [(names[k], other_names[k]) for k in names]
    for a, b in pairs:
        try:
            if not np.array_equal(a, b, equal_nan=True):        # a 0-d array and a NumPy scalar alike
                return False
        except (TypeError, ValueError):
            if a is not b and a != b:
                return False
    return True


@dataclass
class Tally:
    """What became of a batch of programs with updates in place."""
    checked: int = 0             # programs with a smooth point, checked in both modes
    refused: list = field(default_factory=list)     # [(program, [Refusal], shares memory)]
    rejected: int = 0            # no smooth point found: not counted
    variants: collections.Counter = field(default_factory=collections.Counter)   # programs holding each

    @property
    def rate(self):
        return len(self.refused) / self.checked if self.checked else 0.0


def inplace_batch(count, seed, directory, kinds=KINDS):
    """``count`` programs with the construct "inplace" drawn from ``seed``, each checked by
    :func:`check_program` (derivatives against central differences in both modes, a refusal at a
    line holding the construct) and, when refused, run against its copy-on-write twin."""
    import random
    rng = random.Random(seed)
    tally = Tally()
    for _ in range(count):
        program = seeded_program(rng, rng.choice(kinds), ("inplace",))
        try:
            outcome = check_program(program, directory)
        except Rejected:
            tally.rejected += 1
            continue
        tally.checked += 1
        tally.variants.update(program.constructs.get("inplace", ()))
        if outcome.refused:
            tally.refused.append((program, list(outcome.refused.values()),
                                  updates_visible_memory(program, directory)))
    return tally
