"""Writing Python source: indented lines, comments, and gast expressions as text.

>>> code = Code()
>>> code.line("def f(x):")
>>> with code.indented():
...     code.comment("double it")
...     code.line("return 2 * x")
>>> print(code.text())
def f(x):
    # double it
    return 2 * x
"""
import ast
from contextlib import contextmanager

import gast


def src(node):
    """Source text of a gast (or ast) node."""
    if isinstance(node, str):
        return node
    if isinstance(node, gast.AST):
        node = gast.gast_to_ast(node)
    return ast.unparse(node)


class Code:
    """Lines of Python with the current indentation."""

    def __init__(self):
        self.lines = []
        self.depth = 0

    def line(self, text):
        for part in text.splitlines():
            self.lines.append("    " * self.depth + part)

    def comment(self, text):
        self.line("# " + text)

    def blank(self):
        self.lines.append("")

    @contextmanager
    def indented(self):
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def text(self):
        return "\n".join(self.lines)

    def extend(self, other):
        for text in other.lines:
            self.lines.append("    " * self.depth + text if text else "")


class LineQuoter:
    """Comments quoting the user's line that the next generated lines come from.

    Each user line is quoted once, where its code starts; a line the generated
    code repeats word for word (``i = 0``) is not quoted.
    """

    def __init__(self, location):
        self.location = location
        self.last = None

    def quote(self, code, origin, generated=None):
        lineno = getattr(origin, "lineno", None)
        if lineno is None or lineno == self.last:
            return
        self.last = lineno
        lines = self.location.lines
        text = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
        if text and text != generated:
            code.comment(f"line {lineno}: {text}")
