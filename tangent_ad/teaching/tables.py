"""Presenting a recorded run: the :class:`Explanation` that ``explain`` returns.

It holds the rows and events the recorder collected and lays them out as the
chapter's tables of values and tangents (forward mode) or values and adjoints
(reverse mode): ``str()`` gives the text table, ``_repr_html_`` the HTML one.
"""
import html

from .values import format_value

__all__ = ["Explanation"]


class Explanation:
    """The trace of one run of a derivative.

    ``rows`` (a list of :class:`Row`) holds every value in the order it was
    computed; ``result`` is what the derivative returned (the gradient in reverse
    mode, ``(value, tangent)`` in forward mode); ``source`` is the generated code
    that ran. ``str()`` gives a readable table, ``_repr_html_`` an HTML one.
    """

    def __init__(self, rows, events, result, source, mode, wrt, call, entry, truncated=False,
                 seeds=(), columns=None, column_events=None):
        self.rows = rows
        self.result = result
        self.source = source
        self.mode = mode
        self.wrt = wrt
        self.call = call
        self.truncated = truncated
        self.seeds = list(seeds)          # forward mode: {tangent: seed} per column, ({"x1_dot": 1.0, "x2_dot": 0.0},)
        self.columns = columns            # forward mode with several wrt: the input each column seeds
        self._events = events
        self._column_events = column_events or [events]
        self._entry = entry

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, index):
        return self.rows[index]

    def values(self, phase=None, column=None):
        """``{name: value}``, each name's last value, in the order those values were computed.

        A forward-mode trace with one column per input takes ``column=`` (an input's name).
        """
        if self.columns and column is None:
            raise ValueError(f"this trace has one tangent column per input {tuple(self.columns)}; "
                             f"pass column= one of them")
        out = {}
        for row in self.rows:
            if (phase is None or row.phase == phase) and (column is None or row.column == column):
                out.pop(row.name, None)
                out[row.name] = row.value
        return out

    def __repr__(self):
        return f"<Explanation of {self.call}: {len(self.rows)} rows>"

    # ---------------------------------------------------------- layout
    def _title(self):
        what = "tangents" if self.mode == "forward" else "adjoints"
        if self.columns:
            return (f"{self.call}: {self.mode} mode ({what}), one column per input: "
                    f"{', '.join(self.columns)}")
        return f"{self.call}: {self.mode} mode ({what}) with respect to {', '.join(self.wrt)}"

    def _phase_title(self, phase, function=None):
        if self.mode == "forward":
            title = "values and tangents, from the inputs to the output"
        else:
            title = {"forward": "forward sweep: the values, recorded for the reverse sweep",
                     "reverse": "reverse sweep: the adjoints, from the output back to the inputs"}[phase]
        return title if function is None else f"{function}, {title.split(':')[0]}"

    def _seed_items(self):
        """The chapter's first row: each input's tangent before the run (1 for x1, 0 for x2)."""
        if not self.seeds:
            return []
        items = []
        if self.columns:
            items.append(("header", 0, "", [f"d/d{name}" for name in self.columns], 0))
        for tangent in self.seeds[0]:
            base = tangent[:-len("_dot")]
            held = "" if base in self.wrt else f", {base} held constant"
            cells = [f"{tangent} = {format_value(seed[tangent])}" for seed in self.seeds]
            items.append(("seed", 0, f"{tangent}  (seed{held})", cells, 0))
        return items

    def _cells(self, k):
        """The value cells of the k-th row or return event, one per column."""
        cells = []
        for events in self._column_rows:
            event = events[k] if k < len(events) else None
            if event is None:
                cells.append("")
            elif event.kind == "return":
                cells.append(f"returns {format_value(event.value)}")
            else:
                cells.append(f"{event.row.name} = {format_value(event.row.value)}")
        return cells

    def _layout(self):
        """Display items: (kind, depth, left, cells, line), kind in phase/header/seed/comment/control/row.

        ``cells`` holds one value text per column (one for a single run); ``line`` is the line of
        the generated source the item ran (0 for a heading).
        """
        self._column_rows = [[e for e in events if e.kind in ("row", "return")]
                             for events in self._column_events]
        items = []
        phase = None
        inner = None                  # (helper function, phase) whose sweep title was shown last
        comments = {}
        k = 0
        for event in self._events:
            depth = event.depth
            if event.function == self._entry:
                if event.phase != phase:
                    phase = event.phase
                    items.append(("phase", 0, self._phase_title(phase), [], 0))
                    if self.mode == "forward" and len(items) == 1:
                        items += self._seed_items()
                    comments = {}
                inner = None
            elif self.mode == "reverse" and (event.function, event.phase) != inner:
                inner = (event.function, event.phase)
                items.append(("control", depth - 1, self._phase_title(event.phase, event.function), [], 0))
                comments = {d: c for d, c in comments.items() if d < depth}
            if event.kind == "row":
                row = event.row
                if comments.get(depth) != row.comment:
                    if row.comment:
                        items.append(("comment", depth, "# " + row.comment, [], 0))
                    comments[depth] = row.comment
                items.append(("row", depth, event.text, self._cells(k), event.line))
                k += 1
            elif event.kind in ("control", "call"):
                items.append(("control", depth, event.text, [], event.line))
                comments = {d: c for d, c in comments.items() if d <= depth}
                comments.pop(depth + 1, None)
            elif event.kind == "return":
                items.append(("row", depth, event.text, self._cells(k), event.line))
                k += 1
        return items

    def __str__(self):
        items = self._layout()
        width = max([2 * depth + len(left.splitlines()[0] if left else "")
                     for kind, depth, left, _, _ in items if kind in ("row", "seed")] + [20])
        width = min(width, 64)
        columns = max([len(cells) for *_, cells, _ in items] + [1])
        widths = [max([len(cells[c]) for *_, cells, _ in items if len(cells) > c] + [1])
                  for c in range(columns)]
        lines = [self._title()]
        for kind, depth, left, cells, _ in items:
            indent = "  " * (depth + 1)
            if kind == "phase":
                lines += ["", left]
            elif kind in ("row", "seed", "header"):
                left = left.splitlines()[0] if left else ""
                right = " | ".join(f"{cell:<{w}}" for cell, w in zip(cells, widths)).rstrip()
                lines.append(f"{indent}{left:<{max(width - 2 * depth, 0)}}  | {right}")
            else:
                lines.append(f"{indent}{left}")
        if self.truncated:
            lines += ["", f"(stopped recording after {len(self.rows)} rows; the run itself finished)"]
        lines += ["", f"result: {format_value(self.result)}"]
        return "\n".join(lines)

    def _repr_html_(self):
        esc = html.escape
        layout = self._layout()
        span = 1 + max([len(cells) for *_, cells, _ in layout] + [1])
        heads = "".join(f"<th>{esc(cell)}</th>" for cell in (self.columns or ["value"]))
        out = ["<table>", f"<caption>{esc(self._title())}</caption>",
               f"<tr><th>statement</th>{heads}</tr>"]
        for kind, depth, left, cells, _ in layout:
            pad = f'style="padding-left:{0.5 + 1.5 * depth}em; text-align:left"'
            values = "".join(f"<td><code>{esc(cell)}</code></td>" for cell in cells)
            if kind == "phase":
                out.append(f'<tr><th colspan="{span}" style="text-align:left">{esc(left)}</th></tr>')
            elif kind in ("row", "seed"):
                out.append(f"<tr><td {pad}><code>{esc(left)}</code></td>{values}</tr>")
            elif kind == "comment":
                out.append(f'<tr><td colspan="{span}" {pad}><code style="color:gray">{esc(left)}</code></td></tr>')
            elif kind == "control":
                out.append(f'<tr><td colspan="{span}" {pad}><em>{esc(left)}</em></td></tr>')
        if self.truncated:
            out.append(f'<tr><td colspan="{span}">(stopped recording after {len(self.rows)} rows)</td></tr>')
        out.append(f'<tr><th style="text-align:left">result</th>'
                   f'<td colspan="{span - 1}"><code>{esc(format_value(self.result))}</code></td></tr>')
        out.append("</table>")
        return "\n".join(out)
