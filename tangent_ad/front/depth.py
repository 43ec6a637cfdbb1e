"""Room for deeply nested expressions while transforming, and a located refusal beyond it.

The transformer follows expressions recursively (gast's conversion of the parsed tree, the
flattening, ``ast.unparse``), a few Python frames per level of nesting: about 4 for
``x + x + ...`` and 6 for ``np.sin(np.sin(...))``. Python's default limit of 1000 frames
ends at a sum of some 250 terms written out in one expression, so the limit is raised
while a function is transformed, to ``FRAMES``: a sum of about 3500 terms. An expression
nested deeper still is refused with its file and line, and a way to split it.

>>> import sys
>>> def f(x):
...     return x + x
>>> with room_for_nesting(f):
...     sys.getrecursionlimit() >= FRAMES
True
"""
import ast
import contextlib
import inspect
import sys
import textwrap

from ..errors import TransformError

# Bounded so that the C stack (8 MiB for the main thread and for threads on Linux) stays far
# from full: frames of Python code calling Python code do not use it, the rest take little.
FRAMES = 15_000

# An expression at least this deep is the likely cause of a RecursionError; a shallower
# function hit a bug in tangent_ad, reported as such.
DEEP = 100


@contextlib.contextmanager
def room_for_nesting(func):
    """Within: a recursion limit of at least ``FRAMES``, and a RecursionError while transforming
    ``func`` becomes a TransformError at its most deeply nested statement.

    The limit is process-wide: transformations are serialized by their caller, and a nested
    transformation leaves the limit as it found it.
    """
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, FRAMES))
    try:
        yield
    except RecursionError:
        refusal = _refusal(func)
        if refusal is None:
            raise
        raise refusal from None
    finally:
        sys.setrecursionlimit(old)


def _refusal(func):
    """The TransformError for ``func``'s most deeply nested statement, or None when nothing in
    ``func`` is nested ``DEEP`` levels or more (or its source cannot be read)."""
    try:
        lines, first_line = inspect.getsourcelines(func)
        tree = ast.parse(textwrap.dedent("".join(lines)))    # the C parser: no Python recursion
    except (OSError, TypeError, SyntaxError, RecursionError):
        return None
    statement, depth = _deepest_statement(tree)
    if depth < DEEP:
        return None
    indent = len(lines[0]) - len(lines[0].lstrip())
    return TransformError(
        "expression nested too deeply",
        f"split it into several statements: s = x + x + ... over part of the terms, then "
        f"s = s + ... over the rest (this expression is nested {depth} levels deep)",
        filename=func.__code__.co_filename, lineno=first_line + statement.lineno - 1,
        col_offset=statement.col_offset + indent, text=lines[statement.lineno - 1].rstrip("\n"))


def _deepest_statement(tree):
    """(the statement holding the most deeply nested expression, its depth below the statement),
    found without recursion."""
    best, best_depth = tree.body[0], 0
    stack = [(tree, 0, best)]
    while stack:
        node, depth, statement = stack.pop()
        if isinstance(node, ast.stmt):
            statement, depth = node, 0
        if depth > best_depth:
            best, best_depth = statement, depth
        stack.extend((child, depth + 1, statement) for child in ast.iter_child_nodes(node)
                     if not isinstance(child, ast.expr_context))
    return best, best_depth
