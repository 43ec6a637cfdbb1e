"""User text in generated source: comments, strings and file names never become code.

The generated source quotes the user's lines as comments and names the user's file in
its docstrings. Line breaks that str.splitlines knows but Python source does not
(\\x0b, \\x0c, \\x1c-\\x1e, \\x85, U+2028, U+2029), quotes and backslashes in that text
must stay text: each case below carries a payload that would change the gradient (or
stop the program) if it ran.
"""
import ast
import importlib.util
import inspect
import sys

import pytest

import tangent_ad as tad
from tangent_ad.pipeline.compile import compile_source

SEPARATORS = ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
QUOTES_AND_BACKSLASHES = "' \" ''' \"\"\" \\ \\N \\u"
# statements that must never appear in the generated code
PAYLOAD = ["x = 0 * x", "raise SystemExit('pwned')", "(x := 0 * x)"]


def load(folder, stem, source, module_name="safe_text_target"):
    path = folder / f"{stem}.py"
    path.write_text(source, encoding="utf-8", newline="")     # the characters exactly as written
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_payload_not_code(source):
    tree = ast.parse(source)
    nodes = {ast.dump(node) for node in ast.walk(tree)}
    for payload in PAYLOAD:
        node = ast.parse(payload).body[0]
        node = node.value if isinstance(node, ast.Expr) else node
        assert ast.dump(node) not in nodes, (payload, source)


def assert_derivatives(f, x, gradient):
    """Reverse, forward and vjp give ``gradient`` (exact here: small integers times 2.0), and
    none of their sources holds the payload."""
    assert tad.grad(f)(x) == gradient
    assert tad.jvp(f, (x,), (1.0,))[1] == gradient
    _, f_vjp = tad.vjp(f, x)
    assert f_vjp(1.0)[0] == gradient
    for mode in ("reverse", "forward"):
        assert_payload_not_code(tad.source(f, mode))


@pytest.mark.parametrize("sep", SEPARATORS + ["\r"], ids=repr)
def test_line_breaks_and_quotes_in_comments_strings_and_docstrings(tmp_path, sep):
    # \r ends a line in the user's own file, so it can only sit in an escaped string
    raw = "\\r" if sep == "\r" else sep
    word = f"a{raw}x = 0 * x{raw}raise SystemExit(\"pwned\"){raw}b \\\\ \\' \" \"\"\""
    source = (
        "def f(x):\n"
        f"    '''Doc{raw}x = 0 * x{raw}raise SystemExit('pwned') \\'\\'\\' \"\"\" \\\\'''\n"
        f"    y = x * x  # note{raw}x = 0 * x{raw}raise SystemExit('pwned') {QUOTES_AND_BACKSLASHES}\n"
        f"    n = len('{word}')\n"
        "    return n * y\n")
    module = load(tmp_path, "target", source)
    length = len(f"a{sep}x = 0 * x{sep}raise SystemExit(\"pwned\"){sep}b \\ ' \" \"\"\"")
    assert module.f(2.0) == length * 4.0
    assert_derivatives(module.f, 2.0, 2 * length * 2.0)
    # the user's comment is still quoted, its line break written as an escape
    assert f"# line 3: y = x * x  # note{repr(sep)[1:-1]}x = 0 * x" in tad.source(module.f)


@pytest.mark.parametrize("stem", [
    'quotes"""and\\backslash',
    'a"""[:0]or(x:=0*x)or"""b',
    "a'''[:0]or(x:=0*x)or'''b",
    'escape\\N{x}and\\u12',
    "breaks" + "".join(SEPARATORS) + "\r\n" + "end",
    'doc"""\nx = 0 * x\n"""',
], ids=["quotes-backslash", "double-quote-breakout", "single-quote-breakout", "bad-escapes",
        "line-breaks", "newline-breakout"])
def test_file_names_stay_inside_the_docstring(tmp_path, stem):
    module = load(tmp_path, stem, "def f(x):\n    return 3.0 * x * x\n")
    assert_derivatives(module.f, 2.0, 12.0)
    for mode in ("reverse", "forward"):
        # the docstring names the file exactly, once the escapes are read
        assert f"of f ({stem}.py, line 1) with respect to x." in tad.derivative(module.f, mode).__doc__


def test_module_names_that_are_no_import_path(tmp_path, monkeypatch):
    # modules under names no import line can spell: the code reads them from the namespace
    # it runs in, with no broken "from my-module import SCALE" or "import not a-path as odd"
    module = load(tmp_path, "helpers", "SCALE = 3.0\n\ndef f(x):\n    return odd.WEIGHT * SCALE * x * x\n",
                  module_name="my-module")
    monkeypatch.setitem(sys.modules, "my-module", module)
    module.odd = type(sys)("not a-path")
    module.odd.WEIGHT = 1.0
    assert_derivatives(module.f, 2.0, 12.0)
    for mode in ("reverse", "forward"):
        text = tad.source(module.f, mode)
        assert "my-module" not in text and "a-path" not in text


def test_compiled_lines_are_numbered_as_the_compiler_numbers_them():
    # a U+2028 inside a string literal does not end a line: the second function's
    # source, as inspect and tracebacks show it, is its own
    text = "def g():\n    return 'a\u2028b\x0cc'\n\n\ndef h(x):\n    return 2.0 * x\n"
    h = compile_source(text, "h", {}, "safe text")
    assert inspect.getsource(h) == "def h(x):\n    return 2.0 * x\n"
    assert tad.grad(h)(5.0) == 2.0


def test_explain_runs_the_derivative_of_a_file_with_odd_text(tmp_path):
    source = "def f(x):\n    y = x * x  # c\u2028x = 0 * x\x85raise SystemExit('pwned')\n    return 3.0 * y\n"
    module = load(tmp_path, 'ex"""pl\\ain\u2028', source)
    trace = tad.explain(module.f, 2.0)
    assert trace.result == 12.0
    assert trace.values("reverse")["x_bar"] == 12.0
