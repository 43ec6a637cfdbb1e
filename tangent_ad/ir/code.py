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
import keyword
import re
from contextlib import contextmanager

import gast


def src(node):
    """Source text of a gast (or ast) node."""
    if isinstance(node, str):
        return node
    if isinstance(node, gast.AST):
        node = gast.gast_to_ast(node)
    return ast.unparse(node)


# Python source ends a line only at \n, \r\n or \r; str.splitlines also breaks at
# \x0b, \x0c, \x1c-\x1e, \x85, U+2028 and U+2029, which may sit inside a comment or a string.
_LINE_END = re.compile(r"\r\n|\r|\n")


def source_lines(text):
    """The lines of Python source, as the tokenizer counts them (no line ends)."""
    lines = _LINE_END.split(text)
    return lines[:-1] if lines[-1] == "" else lines


def _escaped(char):
    return repr(char)[1:-1]     # as repr writes it: U+2028 becomes \u2028


def comment_text(text):
    """``text`` fit for one comment line: characters that are not printable (line breaks
    among them) are written as escapes, so none can end the comment and start code."""
    return "".join(c if c.isprintable() or c == "\t" else _escaped(c) for c in text)


def string_text(text):
    """``text`` fit to sit inside any string literal, triple-quoted or not: quotes,
    backslashes and characters that are not printable are escaped."""
    return "".join("\\" + c if c in "\\'\"" else c if c.isprintable() else _escaped(c) for c in text)


def is_name(text):
    """Whether ``text`` can be written as a Python name."""
    return text.isidentifier() and not keyword.iskeyword(text)


def is_module_path(text):
    """Whether ``import text`` is valid Python: dotted names."""
    return all(is_name(part) for part in text.split("."))


class Code:
    """Lines of Python with the current indentation."""

    def __init__(self):
        self.lines = []
        self.depth = 0

    def line(self, text):
        for part in source_lines(text):
            self.lines.append("    " * self.depth + part)

    def comment(self, text):
        self.line("# " + comment_text(text))

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
