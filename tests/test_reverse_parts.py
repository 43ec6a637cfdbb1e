"""The parts of reverse mode (tangent_ad/modes/reverse/), each on a small input: names read
off expression trees, lines that know what they read, the in-place forms, the vjp split.
"""
import ast
import pathlib

import gast
import numpy as np

import tangent_ad as tad
from tangent_ad.api import derivative_function
from tangent_ad.modes.reverse import reuse, trees
from tangent_ad.modes.reverse.trees import Fragment, Lines


def expression(text):
    return ast.parse(text, mode="eval").body


def test_a_fragment_reads_its_names_in_the_order_its_text_writes_them():
    f = Fragment(expression("f(a, k=b)[c] if d else {e: g}"))
    assert f.text == "f(a, k=b)[c] if d else {e: g}"
    assert f.loads == ("f", "a", "b", "c", "d", "e", "g")
    assert f.mentions("d") and not f.mentions("k")


def test_names_in_walk_order_are_those_of_ast_walk_for_ast_and_gast_trees():
    text = "unbroadcast(a * f(b, c) + d, x)"
    walked = []
    for n in ast.walk(expression(text)):
        if isinstance(n, ast.Name) and n.id not in walked:
            walked.append(n.id)
    assert trees.names_in_walk_order(expression(text)) == walked
    assert trees.names_in_walk_order(gast.parse(text).body[0].value) == walked


def test_an_assignment_fragment_writes_its_targets_and_reads_its_value():
    line = trees.assignment(["a_part", "b_part"], expression("g_grad(x, n=k, y_bar=t1_bar)"))
    assert line.text == "a_part, b_part = g_grad(x, n=k, y_bar=t1_bar)"
    assert ast.unparse(line.tree) == line.text
    assert line.loads == ("g_grad", "x", "k", "t1_bar")


def test_lines_remember_what_each_line_reads():
    lines = Lines()
    lines.line("x = tape.pop()", ("tape",))
    lines.comment("x_bar reads x")
    with lines.indented():
        lines.line("x_bar = zeros_like(x)", ("zeros_like", "x"))
    inner = Lines()
    inner.line("y_bar = x_bar * w", ("x_bar", "w"))
    lines.extend(inner)
    assert lines.names_read() == ["tape", "zeros_like", "x", "x_bar", "w"]
    assert len(lines.reads) == len(lines.lines)


def test_lines_whose_reads_are_not_known_say_so():
    lines = Lines()
    lines.line("for start in reversed(range(0, n, period)):", reads=None)
    try:
        lines.names_read()
    except AssertionError:
        pass
    else:
        raise AssertionError("names_read answered for a line it knows nothing of")


def test_the_in_place_forms_never_change_the_tree_they_read():
    tree = expression("unbroadcast(g * np.cos(x), x)")
    before = ast.dump(tree)
    operator, rest, value = reuse.in_place_form(tree, "g")
    assert (operator, ast.unparse(rest), ast.unparse(value)) == ("*", "np.cos(x)", "unbroadcast(g, x)")
    assert ast.dump(tree) == before
    assert reuse.in_place_form(expression("g * g"), "g") is None
    g, index = reuse.index_adjoint_call(expression("index_adjoint(t1_bar, x, (i, 0))"), "x")
    assert (ast.unparse(g), ast.unparse(index)) == ("t1_bar", "(i, 0)")
    assert reuse.index_adjoint_call(expression("index_adjoint(t1_bar, y, i)"), "x") is None


def branchy(x, c):
    if c > 0:
        y = np.sin(x) * x
    else:
        y = x * 2.0
    return np.sum(y)


def _functions(source):
    return {f.name: f for f in ast.parse(source).body if isinstance(f, ast.FunctionDef)}


def test_the_vjp_forward_function_saves_what_its_backward_function_reads():
    source = derivative_function(branchy, "split", ("x",)).source     # what tad.vjp runs
    forward, backward = _functions(source).values()
    saved = forward.body[-1].value.elts[1]
    saved = [n.id for n in saved.elts]
    assigned = {n.id for n in ast.walk(forward) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    assigned |= {a.arg for a in forward.args.args}
    unpacked = backward.body[1]                     # after the docstring: x, t1, ..., = saved
    assert [n.id for n in unpacked.targets[0].elts] == saved
    read = []
    for statement in backward.body[2:]:
        for n in ast.walk(statement):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in read:
                read.append(n.id)
    assert set(saved) == {n for n in read if n in assigned}
    x = np.array([0.5, -1.0, 2.0])
    for c in (1.0, -1.0):
        _, pullback = tad.vjp(branchy, x, c)
        assert np.allclose(pullback(1.0)[0], tad.grad(branchy)(x, c))


def test_checkpoint_works_through_the_sweeps_public_methods():
    path = pathlib.Path(tad.__file__).parent / "modes" / "reverse" / "checkpoint.py"
    private = [n.attr for n in ast.walk(ast.parse(path.read_text()))
               if isinstance(n, ast.Attribute) and n.attr.startswith("_") and not n.attr.startswith("__")]
    assert private == []
