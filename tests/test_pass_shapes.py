"""Symbolic shapes (front/shapes.py, ``Prepared.shapes``) of lowered functions.

A shape is a set of atoms (a parameter, or ``@n`` for what the n-th assignment made); two
values with the same atoms have the same shape, so no ``unbroadcast`` is needed between
them. ``None`` (shapes.UNSTABLE) is a variable whose assignments may give different shapes.
"""
import textwrap

import numpy as np

import pass_inputs as inputs
import tangent_ad as tad
from tangent_ad.front import shapes
from tangent_ad.ir.nodes import to_source
from tangent_ad.pipeline import prepare


def facts(func, wrt):
    prepared = prepare.prepare(func, list(wrt))
    table = prepared.shapes
    of = {v: None if s is shapes.UNSTABLE else sorted(s) for v, s in table.of.items()}
    return prepared, of, table


def test_elementwise_operations_keep_the_shape_of_their_operands():
    prepared, of, table = facts(inputs.elementwise_shapes, ("x", "w"))
    assert to_source(prepared.function) == textwrap.dedent("""\
        def elementwise_shapes(x, w):
            a = np.sin(x)
            b = 2.0 * a
            c = a * w
            d = np.sum(c)
            y = d + b
            return y
        """)
    # c broadcasts x against w; the full sum d is shaped (); y is shaped like b, like x
    assert of == {"x": ["x"], "w": ["w"], "a": ["x"], "b": ["x"], "c": ["w", "x"], "d": [], "y": ["x"]}
    # a and b are elementwise functions of x alone: code that needs only their shape reads x
    assert table.sources == {"a": "x", "b": "x"}
    assert [table.same_shape_source(v) for v in ("a", "b", "c", "y")] == ["x", "x", "c", "y"]
    assert table.union(["a", "w"]) == frozenset({"x", "w"})


def test_shape_facts_decide_where_the_reverse_sweep_unbroadcasts():
    """b = 2.0 * a needs no unbroadcast (same shape); c = a * w does, to x and to w."""
    text = tad.source(inputs.elementwise_shapes, "reverse", ("x", "w"))
    body = [line.strip() for line in text.split("# reverse sweep")[1].splitlines()]
    assert "a_bar += b_bar * 2.0" in body
    assert "a_bar = unbroadcast(c_bar * w, x)" in body and "w_bar = unbroadcast(c_bar, w)" in body
    # and the numbers, with w broadcast against x: y has x's shape (3,)
    x, w, u = np.array([0.1, 0.2, 0.3]), np.array([[1.0], [2.0]]), np.array([1.0, -2.0, 0.5])
    x_bar, w_bar = tad.derivative(inputs.elementwise_shapes, "reverse", ("x", "w"))(x, w, u)
    np.testing.assert_allclose(x_bar, u.sum() * np.cos(x) * w.sum() + 2 * u * np.cos(x), rtol=1e-14)
    np.testing.assert_allclose(w_bar, np.full((2, 1), u.sum() * np.sin(x).sum()), rtol=1e-14)


def test_a_variable_reassigned_with_another_shape_is_unstable():
    """v = x, then v = np.sum(v) in a loop: v's shape depends on the iteration."""
    _, of, table = facts(inputs.unstable_shape, ("x",))
    assert of == {"x": ["x"], "n": ["n"], "i": [], "v": None}
    assert table.var("v") != table.var("v")          # a new atom at each use: never "the same"
    assert table.sources == {}
    x = np.array([1.0, 2.0])
    np.testing.assert_array_equal(tad.grad(inputs.unstable_shape)(x, 2), [1.0, 1.0])
    # no iteration: v is x itself, an array, and its adjoint is the seed
    u = np.array([3.0, -1.0])
    np.testing.assert_array_equal(tad.derivative(inputs.unstable_shape, "reverse", "x")(x, 0, u), u)


def test_a_loop_index_is_a_python_number():
    prepared, of, _ = facts(inputs.sum_over_range, ("x",))
    assert to_source(prepared.function) == textwrap.dedent("""\
        def sum_over_range(x, n):
            s = 0.0
            for i in range(n):
                t1 = x * i
                s = s + t1
            return s
        """)
    # i is shaped (); t1 = x * i is shaped like x; s starts as 0.0 and then takes x's shape
    assert of == {"x": ["x"], "n": ["n"], "i": [], "s": None, "t1": ["x"]}
    x, u = np.array([1.0, 2.0]), np.array([1.0, -3.0])
    x_bar = tad.derivative(inputs.sum_over_range, "reverse", "x")(x, 4, u)
    np.testing.assert_array_equal(x_bar, 6.0 * u)           # s = (0 + 1 + 2 + 3) x
