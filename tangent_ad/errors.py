"""The errors tangent_ad raises, and how they point at the user's code.

A derivative is never produced for code outside the supported subset: the
transformer raises :class:`TransformError` naming the user's file, line,
column and construct, and what to write instead.

>>> err = TransformError("try statement", "write the code without try/except",
...                      filename="model.py", lineno=12, col_offset=4)
>>> str(err)
'model.py:12:5: try statement is not supported in differentiated code; write the code without try/except'
>>> isinstance(err, SyntaxError), err.offset
(True, 5)
"""


class TransformError(SyntaxError):
    """A construct outside the differentiable subset, located in the user's source.

    Attributes: ``filename``, ``lineno`` (1-based), ``offset`` (1-based column,
    as for :class:`SyntaxError`), ``col_offset`` (0-based), ``construct`` (what
    was found) and ``hint`` (what to do instead).
    """

    def __init__(self, construct, hint, filename="<unknown>", lineno=1, col_offset=0,
                 text=None, message=None):
        self.construct = construct
        self.hint = hint
        self.col_offset = col_offset
        if message is None:
            message = f"{construct} is not supported in differentiated code; {hint}"
        self.detail = message
        super().__init__(message, (filename, lineno, col_offset + 1, text))

    def __str__(self):
        return f"{self.filename}:{self.lineno}:{self.col_offset + 1}: {self.detail}"


class AliasingError(TransformError):
    """An update in place of memory another name may share: refused when the derivative is
    built for arguments of unknown kinds, and tried again for the kinds a call passes (a
    Python float never shares memory)."""


class CompileError(TransformError):
    """A line of the user's function that ``compile=True`` cannot compile (Numba does not
    support what its derivative does there); the plain derivative (no ``compile``) works."""


class InternalError(RuntimeError):
    """A bug in tangent_ad itself (never the user's fault)."""

    def __init__(self, what):
        super().__init__(
            f"internal error in tangent_ad: {what}. This is a bug in tangent_ad, not in "
            "your code; please report it with the function you were differentiating.")


class Location:
    """Where a node of the user's function sits in the user's file."""

    def __init__(self, filename, lines):
        self.filename = filename
        self.lines = lines  # the whole file's lines, for quoting

    def error(self, node, construct, hint, message=None):
        """Build a TransformError pointing at ``node``."""
        lineno = getattr(node, "lineno", None) or 1
        col = getattr(node, "col_offset", None) or 0
        text = self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else None
        return TransformError(construct, hint, filename=self.filename, lineno=lineno,
                              col_offset=col, text=text, message=message)
