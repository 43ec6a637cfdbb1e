"""Read a Python function's real source and parse it with gast.

Line and column numbers of the parsed tree are those of the user's file, so
errors and generated comments point at the user's code.
"""
import builtins
import inspect
import linecache
import textwrap

import gast

from ..ir.code import source_lines
from ..errors import Location, TransformError
from . import lambdas
from .sourcecheck import check_source
from .hygiene import rename_clashes


class ParsedFunction:
    """A user function's syntax tree, with where it came from and how its names resolve."""

    def __init__(self, func, node, location, namespace=None):
        self.func = func
        self.node = node            # gast.FunctionDef, decorators removed
        self.location = location
        self.name = node.name
        self.params = [arg.id for arg in node.args.args]
        defaults = node.args.defaults
        self.defaults = dict(zip(self.params[len(self.params) - len(defaults):], defaults))
        self.namespace = function_namespace(func) if namespace is None else namespace

    def resolve(self, name):
        """The object a free name of the function refers to (closure, global, builtin), or None."""
        if name in self.namespace:
            return self.namespace[name]
        return getattr(builtins, name, None)


def function_namespace(func):
    """Globals of ``func`` overlaid with its closure variables, as Python resolves them."""
    namespace = dict(func.__globals__)
    if func.__closure__:
        for name, cell in zip(func.__code__.co_freevars, func.__closure__):
            try:
                namespace[name] = cell.cell_contents
            except ValueError:  # an empty cell: the variable is not bound yet
                pass
    return namespace


def parse_function(func):
    """Parse ``func`` into a :class:`ParsedFunction` with the user's file positions."""
    check_wrapper(func)     # a decorated function is read as written (its wrapper), or refused
    if not inspect.isfunction(func):
        raise TypeError(f"tangent_ad differentiates plain Python functions; got {func!r}")
    code = func.__code__
    filename = code.co_filename
    if lambdas.is_lambda(code):
        return _parse_lambda(func)
    try:
        # the code's own lines: getsourcelines(func) follows __wrapped__ to the undecorated function
        lines, first_line = inspect.getsourcelines(func.__code__)
    except (OSError, TypeError) as exc:
        raise TransformError(
            f"function {func.__qualname__}", "define it with def in a .py file (or a notebook cell) "
            "so that tangent_ad can read its source",
            filename=filename, lineno=code.co_firstlineno,
            message=f"the source of {func.__qualname__} cannot be read ({exc}); tangent_ad needs the "
                    "source of every function it differentiates: define it with def in a .py file "
                    "or a notebook cell, not in a bare interactive session or with exec") from None
    source = "".join(lines)
    dedented = textwrap.dedent(source)
    indent = _indent_removed(source, dedented)
    tree = gast.parse(dedented)
    _shift_positions(tree, first_line - 1, indent)
    node = tree.body[0]
    if not isinstance(node, gast.FunctionDef):
        raise TransformError("async function" if isinstance(node, gast.AsyncFunctionDef)
                             else type(node).__name__, "differentiate a plain def function",
                             filename=filename, lineno=first_line)
    check_source(func, source)       # the file may have changed since func was defined
    node.decorator_list = []
    return _parsed(func, node, linecache.getlines(filename) or lines)


def _parse_lambda(func):
    """A lambda, read as ``def lambda_line12(x): return <its body>`` (``lambdas.py``)."""
    node, lines = lambdas.read_lambda(func)
    return _parsed(func, node, lines)


def _parsed(func, node, file_lines):
    """The :class:`ParsedFunction` of ``func``'s tree ``node``, its clashing names renamed."""
    filename = func.__code__.co_filename
    namespace = function_namespace(func)
    renamed, renamed_globals = rename_clashes(node, namespace)
    parsed = ParsedFunction(func, node, Location(filename, [line.rstrip("\n") for line in file_lines]),
                            namespace)
    parsed.renamed = renamed          # the user's name -> its name in the derivative (hygiene.py)
    # a global renamed to keep it apart from a runtime helper keeps its object under the new name
    parsed.renamed_globals = renamed_globals
    for new, old in renamed_globals.items():
        namespace[new] = namespace[old]
    return parsed


def _indent_removed(source, dedented):
    first = source_lines(source.lstrip("\n"))[0]
    first_dedented = source_lines(dedented.lstrip("\n"))[0]
    return len(first) - len(first_dedented)


def _shift_positions(tree, line_shift, col_shift):
    for node in gast.walk(tree):
        if hasattr(node, "lineno") and node.lineno is not None:
            node.lineno += line_shift
            if getattr(node, "end_lineno", None) is not None:
                node.end_lineno += line_shift
            if getattr(node, "col_offset", None) is not None:
                node.col_offset += col_shift
            if getattr(node, "end_col_offset", None) is not None:
                node.end_col_offset += col_shift


WRAPPED_HINT = ("differentiate {name}.__wrapped__ if the decorator does not change the value, "
                "or write the decorator's work into the function")


def check_wrapper(f):
    """A decorated function (``__wrapped__`` set): refuse it unless its wrapper has plain
    parameters that tangent_ad can differentiate as written."""
    if not inspect.isfunction(f) or getattr(f, "__wrapped__", None) is None:
        return
    code = f.__code__
    if code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS) or code.co_kwonlyargcount:
        inner = f.__wrapped__
        inner_name = getattr(inner, "__qualname__", repr(inner))
        raise TransformError(
            f"decorated function {f.__qualname__}", WRAPPED_HINT.format(name=f.__name__),
            filename=code.co_filename, lineno=code.co_firstlineno,
            message=f"{f.__qualname__} is decorated: its wrapper "
                    f"{code.co_name}{inspect.signature(f, follow_wrapped=False)} calls {inner_name} and "
                    "may change what it returns, and tangent_ad cannot differentiate a wrapper with "
                    f"*args or **kwargs; {WRAPPED_HINT.format(name=f.__name__)}")
