"""What a derivative was built from, and whether all of it still holds.

A generated derivative bakes in what the transformation saw: the code of the function
and of every helper it calls, which object each name and each called attribute meant,
and a copy of the globals and closure variables it reads. tangent_ad reuses a cached
derivative only while every one of these is the very same object (``is``) as when it
was built:

- the ``__code__``, ``__defaults__`` and ``__kwdefaults__`` of the function and of every
  helper whose derivative it calls, in any module (a helper of another module brings
  everything its own derivative was built from), and the ``__code__`` and
  ``__defaults__`` of any other Python function their code names (the transformation
  may read its source, to see whether it returns new arrays);
- the contents of each of their closure cells (``nonlocal`` rebinds one);
- each global name their code reads (``LOAD_GLOBAL``): the entry of the module's dict,
  or, for a name the module does not define, its absence there and the builtin;
- along each dotted path their code reads from a global or a closure variable
  (``cfg.act``, ``np.linalg.norm``, ``other.helper``), each attribute that is a module,
  a class or a callable, looked up in the ``__dict__`` of the object before it (a
  module's, a class's, a namespace's): what a call can resolve to. Data attributes
  (``cfg.scale``) and attributes an object does not keep in its own ``__dict__``
  (properties, inherited methods) are not looked at: the derivative reads those itself
  when it runs;
- the set of rules registered with ``tangent_ad.custom_rule``.

Anything else changed, such as an array mutated in place, is not looked at: the
derivative reads the same array when it runs.

The check runs on every call of a gradient, so it is compiled: one Python expression
of identity tests (``f.__code__ is v0 and h1['np'] is v1 and 'np2' not in h2 and ...``),
ten to twenty nanoseconds a test: a lookup by subscript rather than a ``.get`` call, a name
deleted since raising KeyError, which counts as changed; ``check.source`` shows it. It never holds the function it is for (that
is passed in), so a cached derivative does not keep its function alive.

Where the source is read, ``front/sourcecheck.py`` makes sure it is the source of the
code that runs.
"""
import builtins
import dis
import inspect
import types


_GONE = object()                # a name or attribute that is not there
_ENTRY = object()               # stands for the function a check is for (passed in, never held)



# ------------------------------------------------------------------ recording
def record(entry, functions, derivatives=()):
    """The check of a derivative of ``entry``, built from the source of ``functions`` (the
    entry and its helpers of the same module) and from ``derivatives``, ``(helper, its
    compiled derivative)`` pairs for helpers of other modules."""
    from ..rules import custom
    probes = _Probes(entry)
    for func in functions:
        probes.function(func)
    for helper, compiled in derivatives:
        probes.merge(compiled._tangent_ad_built_from.probes, helper)
    probes.item(vars(custom), "registrations")
    return _compile(probes.items)


def check_of(probes):
    """A check of ``probes``, ``(kind, holder, key, expected)`` each (``_Probes``)."""
    return _compile(dict(enumerate(probes)))


def extended(check, probes):
    """``check`` with more probes: one check, as fast per test as the first (the compiled
    variant's, with what Numba compiled in)."""
    return check_of([*check.probes, *probes]) if probes else check


def holds(compiled, func):
    """Whether everything the derivative ``compiled`` of ``func`` was built from is unchanged."""
    return compiled._tangent_ad_built_from(func)


class _Probes:
    """``(kind, holder, key, expected)``, one per thing looked up, each once:
    ``attr``: ``holder.key`` (a function's code, defaults); ``item``: ``holder.get(key)``
    (a dict: globals, builtins, a module's or a namespace's ``__dict__``); ``cell``: a
    closure cell's contents."""

    def __init__(self, entry):
        self.entry = entry
        self.items = {}

    def add(self, kind, holder, key, expected):
        holder = _ENTRY if holder is self.entry else holder
        expected = _ENTRY if expected is self.entry else expected
        self.items.setdefault((kind, id(holder), key), (kind, holder, key, expected))

    def item(self, mapping, key):
        value = mapping.get(key, _GONE)
        self.add("item", mapping, key, value)
        return value

    def function(self, func):
        code = func.__code__
        for attribute in ("__code__", "__defaults__", "__kwdefaults__"):
            self.add("attr", func, attribute, getattr(func, attribute))
        cells = dict(zip(code.co_freevars, func.__closure__ or ()))
        for cell in cells.values():
            self.add("cell", cell, None, _contents(cell))
        globals_ = func.__globals__
        builtins_ = globals_.get("__builtins__", builtins)
        builtins_ = vars(builtins_) if inspect.ismodule(builtins_) else builtins_
        for kind, name_, path in _reads(code):
            if kind == "global":
                value = self.item(globals_, name_)
                if value is _GONE:
                    value = self.item(builtins_, name_)
            elif name_ in cells:
                value = _contents(cells[name_])
            else:
                continue                # a variable of the function itself
            self.named(value)
            self.path(value, path)

    def path(self, value, attributes):
        for attribute in attributes:
            mapping = getattr(value, "__dict__", None)
            if not isinstance(mapping, (dict, types.MappingProxyType)) or attribute not in mapping:
                return                  # looked up elsewhere (a property, a class's method)
            value = mapping[attribute]
            if not (inspect.ismodule(value) or isinstance(value, type) or callable(value)):
                return                  # data: the derivative reads it when it runs
            self.add("item", mapping, attribute, value)
            self.named(value)

    def named(self, value):
        """A Python function the code names: the transformation may read its source (to see
        whether it returns new arrays, say) even where it does not differentiate it."""
        if isinstance(value, types.FunctionType):
            for attribute in ("__code__", "__defaults__"):
                self.add("attr", value, attribute, getattr(value, attribute))

    def merge(self, probes, helper):
        """The probes of a helper's own derivative, its function now held as ``helper``."""
        for kind, holder, key, expected in probes:
            self.add(kind, helper if holder is _ENTRY else holder, key,
                     helper if expected is _ENTRY else expected)


def _contents(cell):
    try:
        return cell.cell_contents
    except ValueError:              # not bound yet
        return _GONE


_GLOBAL_LOADS = {"LOAD_GLOBAL", "LOAD_NAME"}
_CELL_LOADS = {"LOAD_DEREF", "LOAD_CLASSDEREF", "LOAD_FROM_DICT_OR_DEREF"}
_ATTRIBUTE_LOADS = {"LOAD_ATTR", "LOAD_METHOD"}


def _reads(code):
    """``(kind, name, attributes)`` for each name ``code`` loads from its globals (``global``)
    or a closure cell (``cell``), with the attributes read from it right after (``np.linalg.norm``
    gives ``("global", "np", ["linalg", "norm"])``); nested code (comprehensions) included."""
    found, path = [], None
    for instruction in dis.get_instructions(code):
        operation = instruction.opname
        if operation in _GLOBAL_LOADS or operation in _CELL_LOADS:
            path = []
            found.append(("global" if operation in _GLOBAL_LOADS else "cell", instruction.argval, path))
        elif operation in _ATTRIBUTE_LOADS and path is not None:
            path.append(instruction.argval)
        else:
            path = None
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            found += _reads(constant)
    return found


# ------------------------------------------------------------------ the check
def _compile(items):
    """One function ``check(f)``: whether every probe still sees what it saw."""
    namespace = {"GONE": _GONE}
    tests = []
    for index, (kind, holder, key, expected) in enumerate(items.values()):
        holder_name = "f" if holder is _ENTRY else f"h{index}"
        expected_name = "f" if expected is _ENTRY else f"v{index}"
        namespace[holder_name], namespace[expected_name] = holder, expected
        if kind == "attr":
            tests.append(f"{holder_name}.{key} is {expected_name}")
        elif kind == "item" and expected is _GONE:
            tests.append(f"{key!r} not in {holder_name}")
        elif kind == "item":        # a key gone raises KeyError: changed
            tests.append(f"{holder_name}[{key!r}] is {expected_name}")
        else:
            tests.append(f"{holder_name}.cell_contents is {expected_name}")
    namespace.pop("f", None)
    body = "\n                and ".join(tests) or "True"
    source = ("def still_holds(f):\n"
              "    try:\n"
              f"        return ({body})\n"
              "    except (ValueError, KeyError):    # a closure cell emptied, a name deleted\n"
              "        return False\n")
    exec(compile(source, "<tangent_ad freshness check>", "exec"), namespace)
    check = namespace["still_holds"]
    check.source = source
    check.probes = list(items.values())
    return check
