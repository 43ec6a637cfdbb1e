"""Placing a computational graph's boxes, and writing it as SVG and as Graphviz DOT text.

The layout is written here, with no system package: the picture must come out the same
on a fresh machine. It is the layered drawing the chapter uses, left to right:

1. **layers** by longest path: an input is in layer 0, every other node one layer right
   of the furthest node it reads, so data always flows rightwards;
2. **order** within a layer by the barycentre heuristic: a few sweeps, each placing a
   node at the mean position of its neighbours in the layer before (then after), which
   removes most edge crossings of small graphs;
3. **sizes** from the label text: a monospaced font, so a box is as wide as its longest
   line; each column is as wide as its widest box, each column centred vertically.
"""
import re
from typing import NamedTuple
from xml.sax.saxutils import escape

__all__ = ["Box", "place", "layout", "curves", "to_svg", "to_dot", "COLOURS"]

FONT_SIZE = 12
CHAR_WIDTH = 7.2            # a 12px monospaced character
LINE_HEIGHT = 16
PAD_X, PAD_Y = 10, 8
GAP_X, GAP_Y = 56, 18
MARGIN = 16
DUMMY_HEIGHT = 4
SWEEPS = 4

COLOURS = {"input": "#dbe9f6", "operation": "#fff8dc", "output": "#d9f2d9", "elided": "#eeeeee"}
BORDERS = {"input": "#4a7ab0", "operation": "#b08a2e", "output": "#3b8f3b", "elided": "#888888"}


class Box(NamedTuple):
    """Where a node is drawn: its top-left corner, width and height, in pixels."""
    node: object
    x: float
    y: float
    width: float
    height: float


def _layers(nodes, edges):
    preds = {node.id: [] for node in nodes}
    for edge in edges:
        preds[edge.target].append(edge.source)
    layer = {}
    for node in nodes:                   # nodes come in an order where a source precedes its reader
        sources = [layer[p] for p in preds[node.id] if p in layer]
        layer[node.id] = 0 if node.kind == "input" or not sources else 1 + max(sources)
    others = [layer[node.id] for node in nodes if node.kind != "output"]
    for node in nodes:                   # the output is last, alone in its column
        if node.kind == "output":
            layer[node.id] = max(others) + 1 if others else 0
    return layer, preds


def _order(ids, layer, preds, succs):
    """The ids of each column, top to bottom; the inputs keep their parameters' order."""
    columns = {}
    for node_id in ids:
        columns.setdefault(layer[node_id], []).append(node_id)
    count = max(columns) + 1 if columns else 0
    position = {}

    def renumber():
        for column in columns.values():
            for i, node_id in enumerate(column):
                position[node_id] = i

    renumber()
    for sweep in range(SWEEPS):
        forward = sweep % 2 == 0
        for c in (range(1, count) if forward else range(count - 2, 0, -1)):
            neighbours = preds if forward else succs

            def centre(node_id):
                near = [position[n] for n in neighbours[node_id]]
                return sum(near) / len(near) if near else position[node_id]

            columns[c].sort(key=lambda node_id: (centre(node_id), position[node_id]))
            renumber()
    return [columns.get(c, []) for c in range(count)]


def place(nodes, edges):
    """``({node id: Box}, {edge: [(x, y), ...]}, width, height)``: the boxes, and the points
    each edge passes through (an edge that skips columns runs between the boxes of each
    column it crosses, placed there as a thin box of its own, so it never crosses a box)."""
    if not nodes:
        return {}, {}, 2 * MARGIN, 2 * MARGIN
    layer, _ = _layers(nodes, edges)
    ids = [node.id for node in nodes]
    preds = {i: [] for i in ids}
    succs = {i: [] for i in ids}
    chains = {}
    for edge in edges:
        chain = [edge.source]
        for k in range(layer[edge.source] + 1, layer[edge.target]):
            dummy = f"{edge.source}>{edge.target}#{k}"
            layer[dummy] = k
            ids.append(dummy)
            preds[dummy], succs[dummy] = [], []
            chain.append(dummy)
        chain.append(edge.target)
        for a, b in zip(chain, chain[1:]):
            succs[a].append(b)
            preds[b].append(a)
        chains[edge] = chain
    columns = _order(ids, layer, preds, succs)
    by_id = {node.id: node for node in nodes}
    sizes = {}
    for node_id in ids:
        node = by_id.get(node_id)
        if node is None:
            sizes[node_id] = (0, DUMMY_HEIGHT)
        else:
            lines = node.lines()
            sizes[node_id] = (max(len(line) for line in lines) * CHAR_WIDTH + 2 * PAD_X,
                              len(lines) * LINE_HEIGHT + 2 * PAD_Y)
    heights = [sum(sizes[i][1] for i in column) + GAP_Y * (len(column) - 1) for column in columns]
    total_height = max(heights)
    boxes, x = {}, MARGIN
    for column, height in zip(columns, heights):
        width = max((sizes[i][0] for i in column), default=0)
        y = MARGIN + (total_height - height) / 2
        for node_id in column:
            w, h = sizes[node_id]
            if node_id in by_id:
                boxes[node_id] = Box(by_id[node_id], x + (width - w) / 2, y, w, h)
            else:                          # an edge passing through: the column's whole width
                boxes[node_id] = Box(None, x, y, width, h)
            y += h + GAP_Y
        x += width + GAP_X
    routes = {}
    for edge, chain in chains.items():
        first, last = boxes[chain[0]], boxes[chain[-1]]
        points = [(first.x + first.width, first.y + first.height / 2)]
        for dummy in chain[1:-1]:
            box = boxes[dummy]
            points += [(box.x, box.y + box.height / 2), (box.x + box.width, box.y + box.height / 2)]
        points.append((last.x, last.y + last.height / 2))
        routes[edge] = points
    return {i: b for i, b in boxes.items() if i in by_id}, routes, x - GAP_X + MARGIN, \
        total_height + 2 * MARGIN


def layout(nodes, edges):
    """``({node id: Box}, width, height)``: where each node is drawn, and the picture's size."""
    boxes, _, width, height = place(nodes, edges)
    return boxes, width, height


def curves(points):
    """The cubic Bezier segments through ``points``, leaving and entering each horizontally:
    ``[(start, control, control, end), ...]``."""
    segments = []
    for (x1, y1), (x2, y2) in zip(points, points[1:]):
        bend = max((x2 - x1) / 2, 1)
        segments.append(((x1, y1), (x1 + bend, y1), (x2 - bend, y2), (x2, y2)))
    return segments


def _number(value):
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _edge_path(points):
    parts = []
    for i, (a, b, c, d) in enumerate(curves(points)):
        if i == 0:
            parts.append(f"M{_number(a[0])},{_number(a[1])}")
        parts.append("C" + " ".join(f"{_number(p[0])},{_number(p[1])}" for p in (b, c, d)))
    return " ".join(parts)


def to_svg(nodes, edges, title=""):
    """The picture as SVG text: a ``<g class="node">`` per node, with its lines as ``<text>``."""
    boxes, routes, width, height = place(nodes, edges)
    # ids start with the title, so that several graphs can share one HTML page
    prefix = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower() + "-" if title else "graph-"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_number(width)}" '
           f'height="{_number(height)}" viewBox="0 0 {_number(width)} {_number(height)}" '
           f'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="{FONT_SIZE}">',
           f"<title>{escape(title)}</title>",
           f'<defs><marker id="{prefix}arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
           'fill="#555555"/></marker></defs>',
           f'<rect width="{_number(width)}" height="{_number(height)}" fill="white"/>']
    for edge in edges:
        out.append(f'<path class="edge" data-source="{edge.source}" data-target="{edge.target}" '
                   f'd="{_edge_path(routes[edge])}" fill="none" stroke="#555555" stroke-width="1.2" '
                   f'marker-end="url(#{prefix}arrow)"/>')
    for node in nodes:
        box = boxes[node.id]
        dash = ' stroke-dasharray="4,3"' if node.kind == "elided" else ""
        out.append(f'<g class="node {node.kind}" id="{prefix}{node.id}" data-node="{node.id}">')
        out.append(f"<title>{escape(' | '.join(node.lines()))}</title>")
        out.append(f'<rect x="{_number(box.x)}" y="{_number(box.y)}" width="{_number(box.width)}" '
                   f'height="{_number(box.height)}" rx="6" fill="{COLOURS[node.kind]}" '
                   f'stroke="{BORDERS[node.kind]}" stroke-width="1.4"{dash}/>')
        for i, line in enumerate(node.lines()):
            weight = ' font-weight="bold"' if i == 0 else ""
            colour = ' fill="#666666"' if line == node.context and i > 0 else ""
            y = box.y + PAD_Y + (i + 1) * LINE_HEIGHT - 4
            out.append(f'<text x="{_number(box.x + PAD_X)}" y="{_number(y)}"{weight}{colour} '
                       f'xml:space="preserve">{escape(line)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _dot_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(nodes, edges, title=""):
    """The graph as Graphviz DOT text, laid out left to right like the chapter's drawing."""
    out = [f"digraph {_dot_string(title or 'graph')} {{",
           "  rankdir=LR;",
           '  node [shape=box, style="rounded,filled", fontname="monospace", fontsize=12];',
           '  edge [color="#555555"];']
    for node in nodes:
        label = "\\n".join(line.replace("\\", "\\\\").replace('"', '\\"') for line in node.lines())
        style = ', style="rounded,filled,dashed"' if node.kind == "elided" else ""
        out.append(f'  {node.id} [label="{label}", fillcolor="{COLOURS[node.kind]}", '
                   f'color="{BORDERS[node.kind]}"{style}];')
    for edge in edges:
        out.append(f"  {edge.source} -> {edge.target};")
    out.append("}")
    return "\n".join(out) + "\n"
