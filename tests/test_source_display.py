"""tad.source and every derivative's .source: a str that a notebook shows as highlighted code."""
import os
import pickle
import sys

import tangent_ad as tad
from tangent_ad.highlighting import Source, highlight

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples"))
from quickstart import f  # noqa: E402  (u1 = x1 + x2; u2 = x1 - x2; y = u1 * u2)


def test_source_is_a_str_that_prints_and_compares_as_the_text():
    text = tad.source(f, mode="forward", wrt="x1")
    assert isinstance(text, str) and isinstance(text, Source)
    plain = str(text)
    assert type(plain) is str and text == plain and hash(text) == hash(plain)
    assert "u1_dot = x1_dot" in text and text.splitlines()[0].startswith("def f_jvp(")
    assert f"{text}" == plain and text + "" == plain
    assert repr(text) == repr(plain)            # the quoted value, as for any str


def test_every_way_to_the_source_gives_the_same_kind():
    decorated = tad.differentiate(f)
    for text in (tad.source(f), tad.derivative(f).source, decorated.source("reverse"),
                 decorated.source("forward"), tad.grad(f).derivative.source):
        assert isinstance(text, Source)
    assert tad.source(f) == tad.derivative(f).source == decorated.source("reverse")


def test_notebook_display_is_highlighted_code():
    text = tad.source(f)
    shown = text._repr_html_()
    assert shown == highlight(str(text), "html")
    assert '<div class="highlight">' in shown and "<span style=" in shown     # Pygments' colours
    assert "u2_bar" in shown and "\\n" not in shown                         # code, not an escaped line
    printed = []

    class Printer:
        def text(self, value):
            printed.append(value)

    text._repr_pretty_(Printer(), False)             # IPython's plain-text display: the code
    assert printed == [str(text)]


def test_pickling_keeps_the_text_and_its_display():
    text = tad.source(f, mode="forward")
    again = pickle.loads(pickle.dumps(text))
    assert again == text and isinstance(again, Source)
    assert again._repr_html_() == text._repr_html_()
