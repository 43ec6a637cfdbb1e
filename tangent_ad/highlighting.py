"""Source with colours: ANSI for a terminal, HTML for Jupyter (Pygments, an optional extra).

Without Pygments (``pip install "tangent-ad-source[highlight]"``) the source comes
back as it is, or HTML-escaped inside ``<pre>``, so nothing depends on it.

>>> print(highlight("x_bar = 2.0 * x", "text"))
x_bar = 2.0 * x
>>> highlight("a < b", "html", pygments=False)
'<pre class="tangent-ad-source">a &lt; b</pre>'

:class:`Source` is the text ``tad.source`` returns: a ``str`` that prints and compares as
the plain text, and shows itself highlighted in Jupyter.

>>> text = Source("y = x * x")
>>> text == "y = x * x", isinstance(text, str)
(True, True)
>>> text
'y = x * x'
"""
import html


def _pygments():
    try:
        import pygments
        from pygments.formatters import HtmlFormatter, TerminalFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return None
    return pygments, PythonLexer, TerminalFormatter, HtmlFormatter


def highlight(source, format="terminal", pygments=True):
    """``source`` coloured for ``format``: "terminal" (ANSI), "html" (Jupyter), or "text" (as is)."""
    if format == "text":
        return source
    found = _pygments() if pygments else None
    if format == "html":
        if found is None:
            return f'<pre class="tangent-ad-source">{html.escape(source)}</pre>'
        library, lexer, _, html_formatter = found
        return library.highlight(source, lexer(), html_formatter(noclasses=True, nobackground=True))
    if format == "terminal":
        if found is None:
            return source
        library, lexer, terminal_formatter, _ = found
        return library.highlight(source, lexer(), terminal_formatter()).rstrip("\n")
    raise ValueError(f"format must be 'terminal', 'html' or 'text'; got {format!r}")


class Source(str):
    """Generated source: a ``str`` (prints, compares, hashes and pickles as the plain text) that
    a notebook shows as code, highlighted (``_repr_html_``), not as one escaped line.

    ``repr`` stays ``str``'s (it is the value, quoted); IPython's plain-text display
    (``_repr_pretty_``) prints the code itself.
    """
    __slots__ = ()

    def _repr_html_(self):
        return highlight(str(self), "html")

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))

    def __reduce__(self):
        return (Source, (str(self),))
