"""The lesson page's HTML, without a browser: one self-contained file whose rows point at their code."""
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import tangent_ad as tad
from tangent_ad.teaching import lesson as lesson_module

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples"))
import seed  # noqa: E402
from quickstart import f  # noqa: E402


class _Page(HTMLParser):
    """Every element's tag and attributes, and the text of each element with an id."""

    def __init__(self):
        super().__init__()
        self.elements, self.stack, self.text = [], [], {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if tag not in ("meta", "br", "img", "input", "link"):
            self.stack.append(attrs.get("id"))

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        for name in self.stack:
            if name:
                self.text[name] = self.text.get(name, "") + data


def _parse(text):
    page = _Page()
    page.feed(text)
    return page


def test_the_page_is_one_self_contained_file():
    text = lesson_module.lesson(f, 3.0, 2.0)
    page = _parse(text)
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    tags = [tag for tag, _ in page.elements]
    assert "link" not in tags and "img" not in tags and "iframe" not in tags
    assert all("src" not in attrs for tag, attrs in page.elements if tag == "script")
    assert not re.search(r"(src|href)=\"(https?:)?//", text) and "@import" not in text
    assert tags.count("style") == 1 and tags.count("script") == 1
    ids = [attrs["id"] for _, attrs in page.elements if "id" in attrs]
    assert len(ids) == len(set(ids)), "ids are unique (the two SVGs' markers too)"
    for section in ("function", "graph", "forward", "reverse", "graph-forward", "graph-reverse",
                    "fwd-table", "rev-table", "fwd", "rev", "src"):
        assert section in ids, section
    assert tags.count("svg") == 2 and 'class="placeholder"' not in text


def test_every_row_points_at_the_line_that_computed_it():
    page = _parse(lesson_module.lesson(f, 3.0, 2.0))
    for code, trace in (("fwd", tad.explain(f, 3.0, 2.0, mode="forward", wrt=(0, 1))),
                        ("rev", tad.explain(f, 3.0, 2.0, mode="reverse", wrt=(0, 1)))):
        rows = [attrs for tag, attrs in page.elements if tag == "tr" and attrs.get("data-code") == code]
        # one linked row per recorded value (each column's value is in the same row), and the return
        assert len(rows) == len([row for row in trace.rows if row.column in ("", "x1")]) + 1
        source_lines = trace.source.splitlines()
        for attrs in rows:
            line = int(attrs["data-line"])
            shown = page.text[f"{code}-L{line}"]
            assert shown.endswith(source_lines[line - 1].strip()), (code, line, shown)
        clickable = {int(attrs["data-line"]) for tag, attrs in page.elements
                     if attrs.get("data-code") == code and attrs.get("data-linked")}
        assert clickable == {int(attrs["data-line"]) for attrs in rows}
    # the forward table's cells: the seed row and one column per input (the chapter's numbers)
    forward = page.text["fwd-table"]
    for cell in ("x1_dot = 1.0", "x2_dot = 0.0", "y_dot = 6.0", "y_dot = -4.0", "(5.0, (6.0, -4.0))"):
        assert cell in forward
    reverse = page.text["rev-table"]
    for cell in ("u2_bar = 5.0", "x1_bar = 6.0", "x2_bar = -4.0", "(6.0, -4.0)"):
        assert cell in reverse
    assert "u1 = x1 + x2" in page.text["src"] and "def f(x1, x2):" in page.text["src"]
    for mode, adjoint in (("forward", "y_dot = 6.0"), ("reverse", "x2_bar = -4.0")):
        assert adjoint in page.text[f"graph-{mode}"]


def test_a_loop_and_a_graph_that_cannot_be_drawn(monkeypatch):
    text = lesson_module.lesson(seed.loop, 0.7, 2, wrt="x")
    page = _parse(text)
    assert "iteration 2 of while i &lt; n" in text
    assert any(tag == "tr" and attrs.get("data-line") for tag, attrs in page.elements)

    def broken(*args, **kwargs):
        raise RuntimeError("no picture today")

    from tangent_ad.teaching import graph as graph_module
    monkeypatch.setattr(graph_module, "graph", broken)
    text = lesson_module.lesson(f, 3.0, 2.0)
    assert text.count('class="placeholder"') == 2 and "no picture today" in text
    assert "fwd-table" in text and "rev-table" in text           # the rest of the lesson stands


def test_command_line_writes_the_page(tmp_path):
    out = tmp_path / "lesson.html"
    done = subprocess.run([sys.executable, "-m", "tangent_ad", "examples/quickstart.py:f", "--lesson", "3", "2",
                           "-o", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"lesson written to {out}"
    written = _parse(out.read_text(encoding="utf-8")).text
    assert "x2_bar = -4.0" in written["rev-table"] and "y_dot = -4.0" in written["fwd-table"]
    bad = subprocess.run([sys.executable, "-m", "tangent_ad", "examples/quickstart.py:f", "--lesson", "3",
                          "-o", str(tmp_path / "no.html")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "takes 2 argument(s) (x1, x2); --lesson got 1" in bad.stderr
    assert not (tmp_path / "no.html").exists()
