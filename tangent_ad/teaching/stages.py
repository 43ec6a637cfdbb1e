"""The pipeline on one function, step by step: what each stage of tangent_ad makes of it.

>>> import tangent_ad as tad
>>> from tangent_ad._doc_examples import poly
>>> s = tad.stages(poly, wrt=(0, 1))
>>> [title for title, _ in s]
['source', 'normalized', 'one operation per line', 'reverse mode, not optimized', 'reverse mode']
>>> print(s["one operation per line"])
def poly(x1, x2):
    t1 = x1 + x2
    t2 = x1 - x2
    y = t1 * t2
    return y
<BLANKLINE>
"""
import inspect

from .. import api, targets
from ..highlighting import highlight
from ..ir import nodes as ir
from ..pipeline import prepare


class Stages:
    """``(title, source)`` pairs, in pipeline order; printable, and shown as HTML in Jupyter."""

    def __init__(self, steps, notes):
        self.steps = steps
        self.notes = notes

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, title):
        for name, text in self.steps:
            if name == title:
                return text
        raise KeyError(title)

    def __str__(self):
        parts = []
        for title, text in self.steps:
            note = self.notes.get(title)
            parts.append(f"# ---- {title}" + (f": {note}" if note else "") + "\n" + text.rstrip("\n"))
        return "\n\n".join(parts) + "\n"

    def _repr_html_(self):
        parts = []
        for title, text in self.steps:
            note = self.notes.get(title, "")
            parts.append(f"<h4>{title}</h4><p>{note}</p>{highlight(text, 'html')}")
        return "\n".join(parts)


def stages(f, mode="reverse", wrt=0):
    """Each step of the pipeline on ``f``: its source, normalized, one operation per line,
    the derivative as first transformed (``optimize=False``), and the derivative optimized.
    """
    targets.check_mode(mode)
    f = targets.unwrap(f)
    names_wrt, _ = targets.wrt_names(f, wrt)
    # the pipeline's own steps (pipeline/prepare.py), each output printed before the next runs
    parsed = prepare.parse(f, names_wrt)
    prepare.fence(parsed)
    normalized = prepare.normalize(parsed)
    normalized_text = ir.to_source(normalized.function)
    analysis = prepare.analyze(normalized, parsed.wrt)
    active = analysis.active
    flat = prepare.lower(normalized, analysis)      # in place: normalized is printed above
    raw = api.source(f, mode, wrt, optimize=False)
    optimized = api.source(f, mode, wrt)
    steps = [("source", inspect.getsource(f)), ("normalized", normalized_text),
             ("one operation per line", ir.to_source(flat)),
             (f"{mode} mode, not optimized", raw), (f"{mode} mode", optimized)]
    notes = {
        "source": "the function as written",
        "normalized": "break, continue and early return become flags; one return at the end",
        "one operation per line": "each differentiated expression split into one operation per "
                                  f"assignment; differentiated variables: {', '.join(sorted(active))}",
        f"{mode} mode, not optimized": "the plain transformation: every adjoint starts at zero and "
                                       "is accumulated, every value read goes on the tape, nothing "
                                       "is folded" if mode == "reverse" else
                                       "the plain transformation: every tangent expanded to its "
                                       "value's shape, nothing folded",
        f"{mode} mode": "after the clean-ups: adjoints assigned on first use, zeros never built, "
                        "tape entries only for values overwritten later, constants folded, "
                        "unbroadcast only where shapes may differ",
    }
    return Stages(steps, notes)
