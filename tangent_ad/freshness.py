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
of identity tests (``f.__code__ is v0 and h1.get('np', GONE) is v1 and ...``), tens of
nanoseconds a test; ``check.source`` shows it. It never holds the function it is for (that
is passed in), so a cached derivative does not keep its function alive.

Where the source is read, :func:`check_source` makes sure it is the source of the code
that runs: a file edited on disk after its function was defined (before a reload)
gives source that does not compile to ``f.__code__``, and is refused rather than
differentiated.
"""
import __future__
import ast
import builtins
import dis
import inspect
import types

from .errors import TransformError

_GONE = object()                # a name or attribute that is not there
_ENTRY = object()               # stands for the function a check is for (passed in, never held)

_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag
_CO_NESTED = inspect.CO_NESTED


# ------------------------------------------------------------------ recording
def record(entry, functions, derivatives=()):
    """The check of a derivative of ``entry``, built from the source of ``functions`` (the
    entry and its helpers of the same module) and from ``derivatives``, ``(helper, its
    compiled derivative)`` pairs for helpers of other modules."""
    from .rules import custom
    probes = _Probes(entry)
    for func in functions:
        probes.function(func)
    for helper, compiled in derivatives:
        probes.merge(compiled._tangent_ad_built_from.probes, helper)
    probes.item(vars(custom), "registrations")
    return _compile(probes.items)


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
        elif kind == "item":
            tests.append(f"{holder_name}.get({key!r}, GONE) is {expected_name}")
        else:
            tests.append(f"{holder_name}.cell_contents is {expected_name}")
    namespace.pop("f", None)
    body = "\n                and ".join(tests) or "True"
    source = ("def still_holds(f):\n"
              "    try:\n"
              f"        return ({body})\n"
              "    except ValueError:      # a closure cell emptied (del of its variable)\n"
              "        return False\n")
    exec(compile(source, "<tangent_ad freshness check>", "exec"), namespace)
    check = namespace["still_holds"]
    check.source = source
    check.probes = list(items.values())
    return check


# ------------------------------------------------------------------ the source
def check_source(func, source):
    """Raise TransformError unless ``source``, read from ``func``'s file now, compiles to the
    code ``func`` runs (``func.__code__``): an edited file is never mixed with running code."""
    code = func.__code__
    try:
        compiled = _compiled_like(func, source)
    except (SyntaxError, ValueError):       # not Python any more (or a null byte)
        compiled = None
    if compiled is not None and _same(compiled, code):
        return
    name_ = func.__qualname__
    raise TransformError(
        f"changed source of {name_}", "reload the module or run the cell again",
        filename=code.co_filename, lineno=code.co_firstlineno,
        message=f"the source of {name_} in {code.co_filename} is not the code that runs: the file "
                f"changed after {func.__name__} was defined (edited on disk?), and tangent_ad "
                f"differentiates the code that runs; reload the module (importlib.reload) or run "
                f"the cell again, then differentiate the new {func.__name__}")


def _compiled_like(func, source):
    """``source`` compiled as ``func`` was: in its class (names mangled alike) and inside a
    function that binds its closure variables, with its ``__future__`` flags. The text is
    never re-indented, which would change its multi-line strings: an indented definition
    is compiled as the body of ``if 1:``, and the wrappers are put around its tree."""
    code = func.__code__
    flags = code.co_flags & _FUTURE_FLAGS
    # the compiler reads np.sin(x) as an attribute load when the module imports np at its top:
    # imports of the modules the function names (never run) let it write the same code
    modules = sorted(n for n in _names(code) if inspect.ismodule(func.__globals__.get(n)))
    imports = "".join(f"import {n}\n" for n in modules)
    outer = func.__qualname__.split(".")[:-1]      # C.m.<locals>.g: g sits in class C
    classes = [p for i, p in enumerate(outer) if p != "<locals>" and outer[i + 1:i + 2] != ["<locals>"]]
    free = [n for n in code.co_freevars if n != "__class__"]
    indented = source[:1].isspace()
    tree = compile("if 1:\n" + source if indented else source, code.co_filename, "exec",
                   flags=flags | ast.PyCF_ONLY_AST, dont_inherit=True)
    # the lines of the file, as the function was compiled there: a class inside the function
    # keeps its first line number as a constant (Python 3.13)
    ast.increment_lineno(tree, code.co_firstlineno - (2 if indented else 1))
    body = tree.body[0].body if indented else tree.body
    if classes:
        wrapper = ast.parse(f"class {classes[-1]}:\n    pass\n").body[0]
        wrapper.body, body = body, [wrapper]
    if free:
        binds = "".join(f"    {n} = None\n" for n in free)
        wrapper = ast.parse("def _tangent_ad_outer():\n" + binds).body[0]
        wrapper.body += body
        body = [wrapper]
    tree.body = ast.parse(imports).body + body
    module = compile(ast.fix_missing_locations(tree), code.co_filename, "exec", flags=flags,
                     dont_inherit=True)
    level = [module]
    while level:                # breadth first: the function itself before any code inside it
        for candidate in level:
            if candidate.co_name == code.co_name and candidate is not module:
                return candidate
        level = [c for parent in level for c in parent.co_consts if isinstance(c, types.CodeType)]
    return None


def _names(code):
    """Every name ``code`` and the code inside it look up (globals and attributes)."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _names(constant)
    return names


def _same(a, b):
    """Whether two code objects run the same instructions on the same names and constants."""
    if (a.co_varnames != b.co_varnames or a.co_freevars != b.co_freevars
            or a.co_cellvars != b.co_cellvars or a.co_argcount != b.co_argcount
            or a.co_posonlyargcount != b.co_posonlyargcount
            or a.co_kwonlyargcount != b.co_kwonlyargcount
            or (a.co_flags ^ b.co_flags) & ~_CO_NESTED or len(a.co_consts) != len(b.co_consts)):
        return False
    if (a.co_code != b.co_code or a.co_names != b.co_names) and _instructions(a) != _instructions(b):
        return False
    for x, y in zip(a.co_consts, b.co_consts):
        if isinstance(x, types.CodeType) or isinstance(y, types.CodeType):
            if not (isinstance(x, types.CodeType) and isinstance(y, types.CodeType) and _same(x, y)):
                return False
        elif type(x) is not type(y) or repr(x) != repr(y):
            return False
    return True


def _instructions(code):
    """``(operation, argument)`` per instruction, jumps by instruction index. A method call
    counts as an attribute load (``PUSH_NULL`` left out): the compiler writes ``math.sin(x)``
    either way, depending on whether the module imports ``math`` at its top, which the
    function's source alone does not say; and the two differ in size, which may take an
    ``EXTENDED_ARG`` before a jump."""
    position, listing = {}, []
    for instruction in dis.get_instructions(code):
        position[instruction.offset] = len(listing)     # a jump to a PUSH_NULL lands on what follows
        if instruction.opname not in ("PUSH_NULL", "EXTENDED_ARG"):   # dis folds EXTENDED_ARG in
            listing.append(instruction)
    result = []
    for instruction in listing:
        operation = "LOAD_ATTR" if instruction.opname == "LOAD_METHOD" else instruction.opname
        if instruction.opcode in dis.hasjrel or instruction.opcode in dis.hasjabs:
            argument = position.get(instruction.argval)
        elif isinstance(instruction.argval, types.CodeType):
            argument = None             # compared with the constants
        else:
            argument = repr(instruction.argval)
        result.append((operation, argument))
    return result
