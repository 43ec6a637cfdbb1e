"""tad.stages, optimize=False, and source highlighting: showing students what the passes do."""
import numpy as np
import pytest

import tangent_ad as tad
from golden_cases import f, loop


def test_stages_show_each_step_of_the_pipeline():
    s = tad.stages(loop)
    titles = [title for title, _ in s]
    assert titles == ["source", "normalized", "one operation per line", "reverse mode, not optimized",
                      "reverse mode"]
    assert "x = x - 0.1 * np.sin(x)" in s["normalized"]
    assert "t1 = np.sin(x)" in s["one operation per line"]
    assert s["reverse mode"] == tad.source(loop)
    assert s["reverse mode, not optimized"] == tad.source(loop, optimize=False)
    text = str(s)
    assert text.index("# ---- source") < text.index("# ---- normalized") < text.index("# ---- reverse mode:")
    assert "<h4>reverse mode</h4>" in s._repr_html_()


def test_stages_in_forward_mode():
    s = tad.stages(f, mode="forward", wrt="x1")
    assert s["forward mode"] == tad.source(f, "forward", "x1")


def test_the_plain_transformation_is_longer_and_gives_the_same_numbers():
    raw, optimized = tad.source(f, wrt=(0, 1), optimize=False), tad.source(f, wrt=(0, 1))
    assert len(raw.splitlines()) > len(optimized.splitlines())
    assert "t1_bar = t2_bar = x1_bar = x2_bar = 0.0" in raw        # zeros built, then accumulated
    assert "unbroadcast(t2_bar * -1, x2)" in raw                    # nothing folded
    assert "x2_bar = unbroadcast(-t2_bar, x2)" in optimized
    for optimize in (True, False):
        assert tad.derivative(f, wrt=(0, 1), optimize=optimize)(3.0, 2.0) == (6.0, -4.0)
        assert tad.derivative(loop, optimize=optimize)(0.7, 50) == pytest.approx(tad.grad(loop)(0.7, 50), rel=1e-15)


def test_derivatives_and_decorated_functions_show_coloured_source_in_jupyter():
    d = tad.derivative(loop)
    html = d._repr_html_()
    assert "<" in html and "loop_grad" in html.replace("</span>", "").replace('<span style="', "")
    assert "loop" in tad.differentiate(loop)._repr_html_()


def test_highlight_without_pygments_returns_the_text():
    assert tad.highlight("x_bar = 1.0", "text") == "x_bar = 1.0"
    assert tad.highlight("a < b", "html", pygments=False) == '<pre class="tangent-ad-source">a &lt; b</pre>'
    with pytest.raises(ValueError):
        tad.highlight("x", "pdf")


def test_highlight_colours_a_terminal_with_pygments():
    assert "\x1b[" in tad.highlight("def f(x):\n    return x", "terminal")
