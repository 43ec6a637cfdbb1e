"""A lambda read as the function it is.

``g = lambda x: np.sum(x ** 2)`` on line 12 of its file is differentiated as

    def lambda_line12(x):
        return np.sum(x ** 2)

keeping the file's line and column numbers, so errors and generated comments point at
the lambda. Its source is the file's: every lambda that starts on the code's first line
is a candidate, and the one that compiles to the code that runs (``func.__code__``, as
``sourcecheck.py`` compares code) is the lambda. Two lambdas on one line that compile
alike are told apart by the columns Python records for each instruction (Python 3.11+);
lambdas that compile alike and read alike are the same function. A lambda with no source
(typed at the interactive prompt, made by ``exec``) or one that cannot be told apart from
another is refused, with what to write instead.
"""
import ast
import copy
import linecache

import gast

from ..errors import TransformError
from .sourcecheck import check_source

LAMBDA = "<lambda>"
_DEF_HINT = "define the function with def"


def is_lambda(code):
    """Whether ``code`` is a lambda's."""
    return code.co_name == LAMBDA


def lambda_name(code):
    """The readable name of the lambda whose code is ``code``: ``lambda_line12``."""
    return f"lambda_line{code.co_firstlineno}"


def readable_name(func):
    """The name generated code builds on: ``func.__name__``, or ``lambda_line12`` for a lambda
    (``<lambda>`` is no part of a name)."""
    return lambda_name(func.__code__) if is_lambda(func.__code__) else func.__name__


def refused_as_helper(func):
    """The error for a lambda that differentiated code calls as a helper."""
    code = func.__code__
    return TransformError(
        "lambda", "define the function with def and call it", filename=code.co_filename,
        lineno=code.co_firstlineno,
        message=f"a lambda called from differentiated code (line {code.co_firstlineno} of "
                f"{code.co_filename}) is not supported; define the function with def and "
                "call it (a lambda given to tad.grad and the other API functions itself is "
                "supported)")


def read_lambda(func):
    """(``gast.FunctionDef`` named for its line, the lines of its file) for the lambda ``func``.

    Raises TransformError when its source cannot be read, no longer compiles to the code
    that runs (the file was edited), or cannot be told apart from another lambda."""
    code = func.__code__
    filename, line = code.co_filename, code.co_firstlineno
    linecache.checkcache(filename)
    lines = linecache.getlines(filename, func.__globals__)
    text = "".join(lines)
    try:
        candidates = _lambdas_on_line(filename, text, line) if lines else []
    except (SyntaxError, ValueError):
        candidates = []
    if not candidates and not lines:
        raise _unreadable(func, "no source was kept for it")
    segments = [_segment(text, node) for node in candidates]
    matching = [(node, s) for node, s in zip(candidates, segments) if s and _compiles_to(func, s)]
    if not matching:
        # the file changed since the lambda was made (or no lambda starts on its line now)
        check_source(func, f"({segments[0]})\n" if segments and segments[0] else "")
        raise _unreadable(func, "no lambda on that line compiles to the code that runs")
    node = _the_one(func, matching)
    return _as_function(node, lambda_name(code)), lines


def _unreadable(func, why):
    code = func.__code__
    where = f"line {code.co_firstlineno} of {code.co_filename}"
    return TransformError(
        "lambda", f"{_DEF_HINT} in a .py file or a notebook cell", filename=code.co_filename,
        lineno=code.co_firstlineno,
        message=f"the source of the lambda on {where} cannot be read ({why}); tangent_ad needs "
                f"the source of every function it differentiates: {_DEF_HINT} (or write the "
                "lambda) in a .py file or a notebook cell, not at the interactive prompt or in exec")


_parsed_files = {}      # filename -> (text, {line: [lambda nodes starting there]})


def _lambdas_on_line(filename, text, line):
    kept = _parsed_files.get(filename)
    if kept is None or kept[0] != text:
        by_line = {}
        for node in gast.walk(gast.parse(text)):
            if isinstance(node, gast.Lambda):
                by_line.setdefault(node.lineno, []).append(node)
        if len(_parsed_files) >= 16:
            _parsed_files.pop(next(iter(_parsed_files)))
        kept = _parsed_files[filename] = (text, by_line)
    return kept[1].get(line, [])


def _segment(text, node):
    return ast.get_source_segment(text, node)


def _compiles_to(func, segment):
    """Whether the lambda written ``segment`` compiles to ``func.__code__``."""
    try:
        check_source(func, f"({segment})\n")
    except TransformError:
        return False
    return True


def _the_one(func, matching):
    """The lambda among ``matching`` (nodes that compile to ``func``'s code) that made ``func``."""
    if len(matching) > 1:
        positions = [(p[0], p[2]) for p in getattr(func.__code__, "co_positions", lambda: [])()
                     if p[0] is not None and p[2] is not None]
        inside = [sum(_contains(node, p) for p in positions) for node, _ in matching]
        best = max(inside)
        if best and inside.count(best) == 1:
            return matching[inside.index(best)][0]
        if len({s for _, s in matching}) > 1:
            code = func.__code__
            raise TransformError(
                "lambda", _DEF_HINT, filename=code.co_filename, lineno=code.co_firstlineno,
                message=f"line {code.co_firstlineno} of {code.co_filename} has {len(matching)} "
                        "lambdas that compile alike, and tangent_ad cannot tell which one it is "
                        f"given; {_DEF_HINT}, or put the lambda on a line of its own")
    return matching[0][0]     # the same code, written the same: the same function


def _contains(node, position):
    return ((node.lineno, node.col_offset) <= position
            <= (node.end_lineno, node.end_col_offset))


def _as_function(node, name):
    """``def name(<the lambda's parameters>): return <its body>``, at the lambda's place."""
    node = copy.deepcopy(node)      # the pipeline edits the tree it is given
    body = gast.Return(value=node.body)
    function = gast.FunctionDef(name=name, args=node.args, body=[body], decorator_list=[],
                                returns=None, type_comment=None, type_params=[])
    for made, like in ((function, node), (body, node.body)):
        for field in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
            setattr(made, field, getattr(like, field))
    return function
