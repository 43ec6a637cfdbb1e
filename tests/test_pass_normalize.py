"""Normalize (``prepare.parse`` -> ``fence`` -> ``normalize``, front/normalize.py), printed.

Each test compares the printed normalized function with the text expected, runs that
text to check it computes what the user's function computes, and checks the derivative
of the function against the known one.
"""
import textwrap

import numpy as np
import pytest

import pass_inputs as inputs
import tangent_ad as tad
from tangent_ad.ir.nodes import to_source
from tangent_ad.pipeline import prepare


def normalized(func, wrt=("x",)):
    parsed = prepare.parse(func, list(wrt))
    prepare.fence(parsed)
    return to_source(prepare.normalize(parsed).function)


def run_text(text, func, *args):
    """The printed function, compiled in ``func``'s module and called."""
    namespace = dict(func.__globals__)
    exec(compile(text, "<normalized>", "exec"), namespace)
    return namespace[func.__name__](*args)


def check(func, expected, *calls, wrt=("x",)):
    text = normalized(func, wrt)
    assert text == textwrap.dedent(expected)
    for args in calls:
        assert run_text(text, func, *args) == func(*args), args


def test_early_return_becomes_a_flag():
    check(inputs.early_return, """\
        def early_return(x):
            returned = False
            if x > 0:
                y = x * x
                returned = True
            if not returned:
                y = -x
            return y
        """, (2.0,), (-3.0,))
    assert tad.grad(inputs.early_return)(2.0) == 4.0
    assert tad.grad(inputs.early_return)(-3.0) == -1.0


def test_break_and_continue_become_flags_in_the_loop_test():
    check(inputs.break_and_continue, """\
        def break_and_continue(x, n):
            i = 0
            broke = False
            while not broke and i < n:
                continued = False
                i = i + 1
                if i == 2:
                    continued = True
                if not continued:
                    if x > 10.0:
                        broke = True
                    if not broke:
                        x = x * 1.5
            y = x
            return y
        """, (1.0, 6), (1.0, 30), (20.0, 4))
    # x = 1: multiplied by 1.5 at i = 1, 3, 4, 5, 6 (i = 2 continues); 1.5 ** 5 < 10
    assert tad.grad(inputs.break_and_continue)(1.0, 6) == pytest.approx(1.5 ** 5, rel=1e-15)
    # x = 1, n = 30: the loop breaks once x > 10, after 6 multiplications (1.5 ** 6 = 11.4)
    assert tad.grad(inputs.break_and_continue)(1.0, 30) == pytest.approx(1.5 ** 6, rel=1e-15)


def test_for_over_range_stays_a_for_and_augmented_assignment_is_spelled_out():
    check(inputs.sum_over_range, """\
        def sum_over_range(x, n):
            s = 0.0
            for i in range(n):
                s = s + x * i
            return s
        """, (2.0, 5))
    assert tad.grad(inputs.sum_over_range)(2.0, 5) == 0 + 1 + 2 + 3 + 4


def test_for_with_break_becomes_a_while_over_an_index():
    check(inputs.for_with_break, """\
        def for_with_break(x, n):
            items = range(n)
            index = 0
            broke = False
            while not broke and index < len(items):
                i = items[index]
                index = index + 1
                if x > 5.0:
                    broke = True
                if not broke:
                    x = x * 2.0
            y = x
            return y
        """, (1.0, 5), (1.0, 2), (7.0, 3))
    assert tad.grad(inputs.for_with_break)(1.0, 5) == 8.0     # 1 -> 2 -> 4 -> 8, then breaks
    assert tad.grad(inputs.for_with_break)(1.0, 2) == 4.0


def test_for_over_an_array_is_kept():
    check(inputs.for_over_array, """\
        def for_over_array(xs):
            total = 0.0
            for v in xs:
                total = total + v * v
            return total
        """, (np.array([1.0, 2.0, 3.0]),), wrt=("xs",))
    np.testing.assert_array_equal(tad.grad(inputs.for_over_array)(np.array([1.0, 2.0, 3.0])),
                                  [2.0, 4.0, 6.0])


def test_augmented_assignments_and_a_returned_parameter():
    """x is a parameter, so the result gets a name of its own (out: y is taken)."""
    check(inputs.augmented, """\
        def augmented(x, y):
            x = x + y
            x = x * 2.0
            x = x - y
            out = x
            return out
        """, (1.0, 3.0), wrt=("x", "y"))
    assert tad.grad(inputs.augmented, wrt=("x", "y"))(1.0, 3.0) == (2.0, 1.0)


def test_conditional_expression_becomes_an_if():
    check(inputs.conditional_expression, """\
        def conditional_expression(x):
            if x > 0:
                t1 = x
            else:
                t1 = -x
            y = t1
            out = y * x
            return out
        """, (2.0,), (-2.0,))
    assert tad.grad(inputs.conditional_expression)(-2.0) == 4.0     # -x * x
    assert tad.grad(inputs.conditional_expression)(3.0) == 6.0      # x * x


def test_tuple_assignment_one_name_at_a_time():
    check(inputs.tuple_assignment, """\
        def tuple_assignment(x, y):
            a = y
            b = x
            out = a * b
            return out
        """, (2.0, 5.0), wrt=("x", "y"))


def test_swap_goes_through_temporaries():
    """x, y = y, x must read both before writing either."""
    check(inputs.swap, """\
        def swap(x, y):
            t1 = y
            t2 = x
            x = t1
            y = t2
            out = x - y
            return out
        """, (2.0, 5.0), wrt=("x", "y"))
    assert tad.grad(inputs.swap, wrt=("x", "y"))(2.0, 5.0) == (-1.0, 1.0)


def test_a_returned_tuple_gives_one_result_per_part():
    check(inputs.two_results, """\
        def two_results(x):
            y = x * 2.0
            y2 = np.sin(x)
            return y, y2
        """, (0.5,))
    _, ct = tad.vjp(inputs.two_results, 0.5)
    assert ct((1.0, 1.0)) == (pytest.approx(2.0 + np.cos(0.5), rel=1e-15),)
