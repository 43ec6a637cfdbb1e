"""A lesson page: one self-contained HTML file a teacher can hand out.

``lesson(f, *args, wrt=...)`` returns the page's HTML: the function's source, its
computational graph (forward and reverse, from ``tad.graph``), and for each mode the
table of values ``tad.explain`` records beside the generated code that computed them.
Every table row is linked to its line of code (``data-line``): hovering or clicking a row
highlights the line, and clicking a line highlights its rows. The CSS and the script are
inline and the pictures are inline SVG, so the page needs no network and no other file.

    python -m tangent_ad examples/quickstart.py:f --lesson 3 2 -o lesson.html
"""
import html
import inspect
import re
import textwrap

import numpy as np

from .. import api, targets
from ..highlighting import highlight
from .explain import explain

__all__ = ["lesson", "write_lesson"]

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5em auto;
       max-width: 1400px; padding: 0 1em; color: #1d1d1f; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
pre, code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
pre.code { background: #f7f7f9; border: 1px solid #e2e2e8; padding: 0.6em 0; overflow-x: auto; }
pre.code .line { display: block; padding: 0 0.8em; min-height: 1.2em; white-space: pre-wrap; }
pre.code .line[data-linked] { cursor: pointer; }
.lineno { color: #999; display: inline-block; width: 2.5em; user-select: none; }
.pair { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1.2em;
        align-items: start; }
.graphs { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1.2em; }
.graphs figure { margin: 0; border: 1px solid #e2e2e8; padding: 0.5em; overflow-x: auto; }
.graphs svg { max-width: 100%; height: auto; }
.placeholder { border: 2px dashed #bbb; padding: 1em; color: #666; }
table.trace { border-collapse: collapse; width: 100%; }
table.trace td, table.trace th { border-bottom: 1px solid #eee; padding: 2px 8px; text-align: left;
                                  vertical-align: top; }
table.trace tr.row, table.trace tr.seed { cursor: pointer; }
table.trace tr.phase th { background: #eef2f8; }
table.trace tr.comment td { color: #888; }
table.trace tr.control td { font-style: italic; color: #555; }
tr.hl td, .line.hl { background: #ffe58a !important; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.4em; }
.result { font-weight: 600; }
"""

_SCRIPT = """
(function () {
  function clear() {
    document.querySelectorAll('.hl').forEach(function (e) { e.classList.remove('hl'); });
  }
  function mark(code, line) {
    clear();
    var target = document.getElementById(code + '-L' + line);
    if (target) { target.classList.add('hl'); }
    document.querySelectorAll('tr[data-code="' + code + '"][data-line="' + line + '"]')
      .forEach(function (r) { r.classList.add('hl'); });
  }
  document.querySelectorAll('tr[data-line]').forEach(function (row) {
    var go = function () { mark(row.dataset.code, row.dataset.line); };
    row.addEventListener('mouseenter', go);
    row.addEventListener('click', go);
  });
  document.querySelectorAll('.line[data-linked]').forEach(function (line) {
    line.addEventListener('click', function () { mark(line.dataset.code, line.dataset.line); });
  });
})();
"""


def _code(text, code, linked=()):
    """``text`` as a ``<pre>`` of one span per line, ids ``{code}-L{n}``; lines in ``linked`` clickable."""
    coloured = _coloured_lines(text)
    out = [f'<pre class="code" id="{code}">']
    for number, line in enumerate(coloured, 1):
        link = f' data-linked="1" data-code="{code}" data-line="{number}"' if number in linked else ""
        out.append(f'<span class="line" id="{code}-L{number}"{link}>'
                   f'<span class="lineno">{number}</span>{line}</span>')
    out.append("</pre>")
    return "".join(out)


def _coloured_lines(text):
    """The lines of ``text`` as HTML, coloured by Pygments when it is installed (one entry per line)."""
    lines = text.splitlines()
    coloured = highlight(text, "html")
    if "<span" not in coloured:                 # no Pygments: plain, escaped
        return [html.escape(line) for line in lines]
    body = re.sub(r"^<div[^>]*><pre[^>]*>(<span></span>)?", "", coloured)
    body = re.sub(r"</pre></div>\s*$", "", body)
    split = body.split("\n")
    if len(split) < len(lines) or any(s.count("<span") != s.count("</span>") for s in split):
        return [html.escape(line) for line in lines]       # a token spans lines: keep it plain
    return split[:len(lines)]


def _table(trace, code, caption):
    """The trace's table, one ``<tr>`` per item; a row computed by a line carries its number."""
    esc = html.escape
    layout = trace._layout()
    columns = trace.columns or ["value"]
    span = 1 + len(columns)
    out = [f'<table class="trace" id="{code}-table"><caption>{esc(caption)}</caption>',
           "<tr><th>statement</th>" + "".join(f"<th>{esc(c)}</th>" for c in columns) + "</tr>"]
    for kind, depth, left, cells, line in layout:
        pad = f' style="padding-left:{0.5 + 1.5 * depth}em"'
        values = "".join(f"<td><code>{esc(cell)}</code></td>" for cell in cells)
        if kind == "phase":
            out.append(f'<tr class="phase"><th colspan="{span}">{esc(left)}</th></tr>')
        elif kind == "row" and line:
            out.append(f'<tr class="row" data-code="{code}" data-line="{line}">'
                       f"<td{pad}><code>{esc(left)}</code></td>{values}</tr>")
        elif kind in ("row", "seed"):
            out.append(f'<tr class="{kind}"><td{pad}><code>{esc(left)}</code></td>{values}</tr>')
        elif kind in ("comment", "control"):
            out.append(f'<tr class="{kind}"><td colspan="{span}"{pad}>{esc(left)}</td></tr>')
    out.append(f'<tr><th>result</th><td class="result" colspan="{span - 1}">'
               f"<code>{esc(_short(trace.result))}</code></td></tr></table>")
    return "\n".join(out)


def _short(value):
    from .values import format_value
    return format_value(value)


def _graph_section(f, args, kwargs, forward_wrt, wrt):
    """Both pictures of the graph, inline SVG; a labelled placeholder if it cannot be drawn."""
    figures = []
    for mode, which in (("forward", forward_wrt), ("reverse", wrt)):
        try:
            from .graph import graph
            svg = graph(f, *args, mode=mode, wrt=which, **kwargs).svg()
        except Exception as exc:        # noqa: BLE001 - the rest of the lesson stands without it
            figures.append(f'<figure class="placeholder" id="graph-{mode}">Graph picture ({mode} mode) '
                           f"not available: {html.escape(str(exc))}</figure>")
            continue
        svg = _prefix_ids(re.sub(r"^<\?xml[^>]*>\s*", "", svg), f"{mode}-")
        figures.append(f'<figure id="graph-{mode}">{svg}<figcaption>{mode} mode: each node with its '
                       f'value and its {"tangent" if mode == "forward" else "adjoint"}</figcaption></figure>')
    return '<div class="graphs">' + "".join(figures) + "</div>"


def _prefix_ids(svg, prefix):
    """Two SVGs in one page must not share ids (markers): prefix each id and its references."""
    ids = re.findall(r'\bid="([^"]+)"', svg)
    for name in sorted(set(ids), key=len, reverse=True):
        svg = svg.replace(f'id="{name}"', f'id="{prefix}{name}"')
        svg = svg.replace(f"url(#{name})", f"url(#{prefix}{name})")
        svg = svg.replace(f'href="#{name}"', f'href="#{prefix}{name}"')
    return svg


def _default_wrt(func, args, kwargs):
    """Every parameter given a real number or a float array: what a lesson differentiates by default."""
    arguments = targets.bound_arguments(func, args, kwargs)
    names = []
    for name in targets.parameters(func):
        value = arguments.get(name)
        if isinstance(value, bool):
            continue
        if isinstance(value, float) or (isinstance(value, (np.ndarray, np.generic))
                                        and np.asarray(value).dtype.kind in "fc"):
            names.append(name)
    return tuple(names) or 0


def lesson(f, *args, wrt=None, title=None, **kwargs):
    """The lesson page for ``f`` at ``args``, as HTML text (see the module's docstring).

    ``wrt`` defaults to every parameter given a real number: forward mode then shows one
    tangent column per input, and reverse mode the whole gradient.
    """
    func = targets.unwrap(f)
    if wrt is None:
        wrt = _default_wrt(func, args, kwargs)
    names = targets.wrt_names(func, wrt)[0]
    forward = explain(f, *args, mode="forward", wrt=wrt, **kwargs)
    reverse = explain(f, *args, mode="reverse", wrt=wrt, **kwargs)
    name = getattr(func, "__qualname__", "f")
    try:
        original = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        original = api.source(f, mode="forward", wrt=wrt)
    title = title or f"Differentiating {name}"
    called = ", ".join([repr(a) if isinstance(a, (int, float)) else _short(a) for a in args]
                       + [f"{k}={_short(v)}" for k, v in kwargs.items()])
    esc = html.escape
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title>", f"<style>{_STYLE}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p>The function, its computational graph, and its derivative in forward and reverse mode, "
        f"run at <code>{esc(name)}({esc(called)})</code> with respect to "
        f"<code>{esc(', '.join(names))}</code>. Hover over or click a row of a table to see the "
        f"line of generated code that computed it; click a line to see its rows.</p>",
        '<section id="function"><h2>The function</h2>', _code(original, "src"), "</section>",
        '<section id="graph"><h2>The computational graph</h2>',
        "<p>Leaves are the inputs, nodes the operations, edges the data flow, the root the output. "
        f"Forward mode is seeded for <code>{esc(names[0])}</code>; reverse mode seeds the output's "
        "adjoint with 1.</p>",
        _graph_section(f, args, kwargs, names[0], wrt), "</section>",
    ]
    for mode, trace, what in (("forward", forward, "tangents, from the inputs to the output"),
                              ("reverse", reverse, "the forward sweep, then the adjoints from the "
                                                   "output back to the inputs")):
        code = "fwd" if mode == "forward" else "rev"
        linked = {row.line for row in trace.rows if row.line} | {
            line for *_, line in trace._layout() if line}
        parts += [f'<section id="{mode}"><h2>{mode.capitalize()} mode</h2>',
                  f"<p>{esc(what.capitalize())}.</p>", '<div class="pair">',
                  f'<div class="table">{_table(trace, code, trace._title())}</div>',
                  f'<div class="source"><p><strong>The generated {mode}-mode code</strong></p>'
                  f"{_code(trace.source, code, linked)}</div>",
                  "</div></section>"]
    parts += [f"<script>{_SCRIPT}</script>", "</body></html>"]
    return "\n".join(parts) + "\n"


def write_lesson(path, f, *args, wrt=None, title=None, **kwargs):
    """Write :func:`lesson`'s page to ``path`` (UTF-8) and return ``path``."""
    text = lesson(f, *args, wrt=wrt, title=title, **kwargs)
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
    return path
