"""Rule templates are filled in as trees (tangent_ad/ir/templates.py, modes/derivatives.py).

A template is parsed once per text; each placeholder becomes a copy of its operand's
tree (the lowered statement's own expression, or ``ast.Name`` for a name), never
text parsed again; constants are folded on the tree, and source is written once at
the end by the callers that want text.
"""
import ast
from unittest import mock

import numpy as np

import tangent_ad as tad
from tangent_ad.ir import templates
from tangent_ad.ir.templates import expression, fill, fill_ast, free_names, template_tree


def _binop(left, op, right):
    return ast.BinOp(left=left, op=op, right=right)


def _name(id_):
    return ast.Name(id=id_, ctx=ast.Load())


def test_an_operand_tree_keeps_its_grouping_where_its_text_alone_would_not():
    """``a - b`` put into ``-x`` is ``-(a - b)``: a tree is substituted, not the text ``a - b``
    (``-a - b`` read back as text would negate ``a`` alone)."""
    minus = _binop(_name("a"), ast.Sub(), _name("b"))
    tree = fill_ast("-x", {"x": minus})
    assert isinstance(tree, ast.UnaryOp) and isinstance(tree.op, ast.USub)
    assert isinstance(tree.operand, ast.BinOp) and isinstance(tree.operand.op, ast.Sub)
    assert ast.unparse(tree) == "-(a - b)"
    product = fill_ast("x * y", {"x": minus, "y": _binop(_name("c"), ast.Add(), _name("d"))})
    assert ast.unparse(product) == "(a - b) * (c + d)"
    assert ast.unparse(fill_ast("x ** 2", {"x": ast.UnaryOp(op=ast.USub(), operand=_name("a"))})) \
        == "(-a) ** 2"


def test_operands_given_as_trees_are_not_parsed():
    """No source is parsed while filling in a (cached) template with tree and name operands."""
    template_tree("np.cos(x) * g")          # the template itself: parsed once, before
    with mock.patch.object(ast, "parse", side_effect=AssertionError("parsed text")):
        tree = fill_ast("np.cos(x) * g", {"x": _binop(_name("u"), ast.Mult(), _name("v")),
                                           "g": "t1_bar", "np": "onp"})
    assert ast.unparse(tree) == "onp.cos(u * v) * t1_bar"


def test_each_use_of_an_operand_is_its_own_copy_and_the_operand_is_left_unchanged():
    operand = _binop(_name("a"), ast.Add(), _name("b"))
    tree = fill_ast("x * x", {"x": operand})
    assert tree.left is not operand and tree.right is not operand and tree.left is not tree.right
    tree.left.left.id = "changed"
    assert ast.unparse(tree) == "(changed + b) * (a + b)"
    assert ast.unparse(operand) == "a + b"


def test_templates_are_parsed_once_and_left_unchanged_by_filling_and_folding():
    text = "1 * g + 0 * x ** 1"
    first = template_tree(text)
    assert template_tree(text) is first
    before = ast.dump(first)
    assert fill(text, {"g": "y_bar", "x": "t1"}) == "y_bar + 0 * t1"
    assert fill(text, {"g": "z_bar", "x": "t2"}) == "z_bar + 0 * t2"
    assert ast.dump(first) == before
    calls = []
    real = templates.parse_expr
    with mock.patch.object(templates, "parse_expr", side_effect=lambda s: calls.append(s) or real(s)):
        fill(text, {"g": "w_bar", "x": "t3"})
        fill_ast(text, {"g": _name("v_bar"), "x": _name("t4")})
    assert calls == []


def test_constants_fold_on_the_tree():
    two = ast.Constant(value=2)
    tree = fill_ast("b * a ** (b - 1)", {"a": _name("x"), "b": two})
    assert isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.Mult)
    assert isinstance(tree.left, ast.Constant) and tree.left.value == 2
    assert isinstance(tree.right, ast.Name) and tree.right.id == "x"
    negated = fill_ast("-1 * g", {"g": _binop(_name("a"), ast.Sub(), _name("b"))})
    assert ast.unparse(negated) == "-(a - b)"
    assert ast.unparse(fill_ast("g * (1 / x)", {"g": _name("g1"), "x": _name("t2")})) == "g1 / t2"
    unfolded = fill_ast("1 * g", {"g": _name("y_bar")}, fold=False)
    assert ast.unparse(unfolded) == "1 * y_bar"
    spread = fill_ast("np.einsum(s, *dotted)", {"s": ast.Constant(value="ij->"),
                                                "dotted": ast.List(elts=[_name("a_dot"), _name("b")])})
    assert [ast.unparse(a) for a in spread.args] == ["'ij->'", "a_dot", "b"]


def test_names_become_name_nodes_and_keywords_stay_constants():
    assert isinstance(expression("x_bar"), ast.Name)
    assert isinstance(expression("None"), ast.Constant) and expression("None").value is None
    tree = ast.Constant(value=1.5)
    assert expression(tree) is tree
    assert free_names(fill_ast("np.sin(x) * y", {"x": _name("t1"), "y": _name("t2")})) == {"np", "t1", "t2"}


def _f(x, y):
    z = np.sin(x - y)
    return -(x - y) * z


def _window(x):
    return np.sum(x[1:3, 0] ** 2) + np.sum(x[:, 1:] * 3.0)


def test_the_derivatives_are_filled_in_from_trees_and_are_right():
    """End to end: both modes give the derivative, from operands converted as trees."""
    x, y = 0.7, -0.4
    d = x - y
    expected_x = -np.sin(d) - d * np.cos(d)
    gx, gy = tad.grad(_f, wrt=(0, 1))(x, y)
    assert np.isclose(gx, expected_x) and np.isclose(gy, -expected_x)
    _, tangent = tad.derivative(_f, "forward", wrt=0)(x, y, 1.0)
    assert np.isclose(tangent, expected_x)


def test_a_sliced_index_is_filled_in_as_an_index_expression_tree():
    """An index with slices becomes ``np.s_[...]`` built as a tree from the lowered index."""
    x = np.arange(12.0).reshape(4, 3)
    expected = np.zeros_like(x)
    expected[1:3, 0] = 2 * x[1:3, 0]
    expected[:, 1:] += 3.0
    assert np.allclose(tad.grad(_window)(x), expected)
    assert "np.s_[1:3, 0]" in tad.source(_window, "reverse", 0)
    direction = np.ones_like(x)
    _, tangent = tad.derivative(_window, "forward", wrt=0)(x, direction)
    assert np.isclose(tangent, np.sum(expected))
