"""The source tangent_ad reads is the code that runs.

:func:`check_source` makes sure the source read from a function's file is the source of
the code that runs: a file edited on disk after its function was defined (before a
reload) gives source that does not compile to ``f.__code__``, and is refused rather than
differentiated.
"""
import __future__
import ast
import dis
import inspect
import types

from ..errors import TransformError

_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag
_CO_NESTED = inspect.CO_NESTED


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
    # <listcomp>, <genexpr>, <lambda>: scopes that are no class
    classes = [p for i, p in enumerate(outer) if not p.startswith("<") and outer[i + 1:i + 2] != ["<locals>"]]
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
