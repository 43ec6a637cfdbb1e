"""A computational graph as a PNG image, drawn with matplotlib from the same layout as the SVG.

matplotlib is optional (the ``teaching`` extra); without it, saving a PNG says how to get it.
"""
from .graph_layout import BORDERS, COLOURS, FONT_SIZE, LINE_HEIGHT, PAD_X, PAD_Y, curves, place

__all__ = ["save_png"]

DPI = 100
PNG_HELP = ('saving a graph as PNG needs matplotlib: pip install "tangent-ad-source[teaching]" '
            "(or pip install matplotlib); .svg and .dot need nothing")


def save_png(nodes, edges, path):
    """Draw the graph into ``path`` as PNG (raises ImportError naming the extra without matplotlib)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
        from matplotlib.path import Path
    except ImportError as exc:
        raise ImportError(PNG_HELP) from exc
    boxes, routes, width, height = place(nodes, edges)
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, width)
    axes.set_ylim(height, 0)             # SVG's coordinates: y grows downwards
    axes.axis("off")
    for edge in edges:
        vertices, codes = [], []
        for i, segment in enumerate(curves(routes[edge])):
            vertices += list(segment) if i == 0 else list(segment[1:])
            codes += ([Path.MOVETO] if i == 0 else []) + [Path.CURVE4] * 3
        axes.add_patch(FancyArrowPatch(path=Path(vertices, codes), arrowstyle="-|>",
                                       mutation_scale=10, color="#555555", linewidth=1.0))
    points = FONT_SIZE * 72 / DPI        # the SVG's pixels as matplotlib's points
    for node in nodes:
        box = boxes[node.id]
        axes.add_patch(FancyBboxPatch(
            (box.x, box.y), box.width, box.height, boxstyle="round,pad=0,rounding_size=6",
            facecolor=COLOURS[node.kind], edgecolor=BORDERS[node.kind], linewidth=1.2,
            linestyle="--" if node.kind == "elided" else "-"))
        for i, line in enumerate(node.lines()):
            axes.text(box.x + PAD_X, box.y + PAD_Y + (i + 1) * LINE_HEIGHT - 4, line,
                      fontsize=points, family="monospace", weight="bold" if i == 0 else "normal",
                      color="#666666" if i > 0 and line == node.context else "black")
    figure.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
