"""Gradients through control flow, in both modes, on every array library.

if/elif/else, while loops with data-dependent conditions, for loops over range(...)
and over the rows of an array, nested loops, break, continue, early return,
augmented assignment, tuple unpacking, conditional expressions, calls to other plain
functions, keyword arguments with defaults, and int/flag/shape arguments that are
never differentiated.  Every case goes through `GradChecker.check` (conftest.py);
inputs are chosen so that no branch condition or loop exit lies within the
central-difference stencil.
"""
import math

import numpy as np
import pytest

import tangent_ad as tad
from golden_cases import loop as smoke_loop  # the chapter's while/if example

RNG = np.random.default_rng(4321)


def uniform(shape, lo=-1.0, hi=1.0):
    return RNG.uniform(lo, hi, size=shape)


# ===========================================================================
# if / elif / else
# ===========================================================================
def branches(x):
    if x > 1.0:
        y = x ** 2
    elif x > 0.0:
        y = np.sin(x) * 3.0
    else:
        y = -(x ** 3)
    return y


@pytest.mark.parametrize("x, dydx", [
    (2.0, lambda x: 2.0 * x),
    (0.5, lambda x: 3.0 * math.cos(x)),
    (-0.7, lambda x: -3.0 * x ** 2),
], ids=["if", "elif", "else"])
def test_if_elif_else_scalar(checker, x, dydx):
    checker.check(branches, (x,), exact=lambda u, x: (u * dydx(x),))


def branches_array(x, y):
    s = np.sum(x)
    if s > 1.0:
        z = x * y
    elif s > -1.0:
        z = np.sin(x) + y
    else:
        z = x ** 2 - y
    return np.sum(z)


@pytest.mark.parametrize("x, exact", [
    (np.array([0.5, 1.0, 0.5]), lambda u, x, y: (u * y, u * x)),
    (np.array([0.3, -0.4, 0.2]), lambda u, x, y: (u * np.cos(x), u * np.ones(3))),
    (np.array([-0.5, -1.0, -0.5]), lambda u, x, y: (u * 2.0 * x, -u * np.ones(3))),
], ids=["if", "elif", "else"])
def test_if_elif_else_array(checker, x, exact):
    checker.check(branches_array, (x, uniform((3,))), wrt=(0, 1), exact=exact)


def if_without_else(x):
    y = x * 2.0
    if np.sum(x) > 0.0:
        y = y * x
    return np.sum(y)


@pytest.mark.parametrize("x, exact", [
    (np.array([0.5, 0.25, 0.5]), lambda u, x: (u * 4.0 * x,)),
    (np.array([-0.5, 0.25, -0.5]), lambda u, x: (u * 2.0 * np.ones(3),)),
], ids=["taken", "not_taken"])
def test_if_without_else(checker, x, exact):
    checker.check(if_without_else, (x,), exact=exact)


# ===========================================================================
# while loops
# ===========================================================================
def grow_until(x):
    while np.sum(x ** 2) < 10.0:
        x = x * 1.5
    return np.sum(np.sin(x))


def test_while_data_dependent(checker):
    x = np.array([0.4, -0.3, 0.5])  # sum(x^2) = 0.5: 1.125, 2.53, 5.70, then 12.8 stops: 4 iterations
    k = 4
    checker.check(grow_until, (x,), exact=lambda u, x: (u * 1.5 ** k * np.cos(1.5 ** k * x),))




def _smoke_loop_derivative(x, n):
    d = 1.0
    for _ in range(n):
        if x > 0:
            d, x = d * (1.0 - 0.1 * math.cos(x)), x - 0.1 * math.sin(x)
        else:
            d, x = d * (1.0 + 0.2 * x), x + 0.1 * x * x
    return d


@pytest.mark.parametrize("x", [0.7, -0.5])
def test_while_counter_with_if(checker, x):
    checker.check(smoke_loop, (x, 50), exact=lambda u, x, n: (u * _smoke_loop_derivative(x, 50),))


def while_break(x):
    i = 0
    while i < 100:
        x = x * 1.5 + 0.1
        if np.sum(x) > 3.0:
            break
        i += 1
    return np.sum(np.sin(x))


def test_while_with_break(checker):
    x = np.array([0.1, -0.2, 0.3])  # sums 0.6, 1.2, 2.1, 3.45: breaks in the 4th pass
    checker.check(while_break, (x,), exact=lambda u, x: (u * 1.5 ** 4 * np.cos(1.5 ** 4 * x + 0.1 * (1 + 1.5 + 1.5 ** 2 + 1.5 ** 3)),))


# ===========================================================================
# for loops
# ===========================================================================
def range_loop(x, n):
    for i in range(n):
        x = np.sin(x) + 0.5 * x
    return np.sum(x)


def _range_loop_derivative(x, n):
    d = np.ones_like(x)
    for _ in range(n):
        d, x = d * (np.cos(x) + 0.5), np.sin(x) + 0.5 * x
    return d


@pytest.mark.parametrize("n", [0, 1, 5])
def test_for_range(checker, n):
    checker.check(range_loop, (uniform((4,)), n), exact=lambda u, x, n_: (u * _range_loop_derivative(x, n),))


def range_start_stop_step(x, n):
    s = 0.0
    for k in range(1, n, 2):
        s = s + np.sum(x ** k) / k
    return s


def test_for_range_start_stop_step_uses_index(checker):
    x = uniform((3,), 0.5, 1.5)
    checker.check(range_start_stop_step, (x, 8), exact=lambda u, x, n: (u * (1.0 + x ** 2 + x ** 4 + x ** 6),))


def rows_sum(A):
    total = 0.0
    for row in A:
        total = total + np.sum(np.sin(row) * row)
    return total


def test_for_over_rows(checker):
    checker.check(rows_sum, (uniform((4, 3)),), exact=lambda u, A: (u * (np.cos(A) * A + np.sin(A)),))


def rnn(h, A, W):
    for row in A:
        h = np.tanh(W @ h + row)
    return np.sum(h ** 2)


def test_for_over_rows_recurrent(checker):
    checker.check(rnn, (uniform((3,)), uniform((4, 3)), uniform((3, 3))), wrt=(0, 1, 2))


def rows_times_vector(A, x):
    out = x * 0.0
    for row in A:
        out = out + row * x
        x = np.sin(x)
    return np.sum(out * out)


def test_for_over_rows_overwrites_carried_value(checker):
    checker.check(rows_times_vector, (uniform((3, 4)), uniform((4,))), wrt=(0, 1))


# ===========================================================================
# nested loops
# ===========================================================================
def nested_range(x, n, m):
    for i in range(n):
        for j in range(m):
            x = x * 0.9 + 0.1 * np.sin(x + j)
    return np.sum(x)


def test_nested_range_loops(checker):
    checker.check(nested_range, (uniform((3,)), 3, 2))


def nested_rows_range(A, x):
    for row in A:
        for k in range(2):
            x = np.tanh(x * row + k)
    return np.sum(x)


def test_nested_rows_and_range(checker):
    checker.check(nested_rows_range, (uniform((3, 4)), uniform((4,))), wrt=(0, 1))


def while_in_for(x, n):
    for i in range(n):
        j = 0
        while j < i:
            x = np.sin(x) * 1.1
            j += 1
    return np.sum(x)


def test_while_inside_for(checker):
    checker.check(while_in_for, (uniform((3,)), 4))


# ===========================================================================
# break, continue, early return
# ===========================================================================
def break_loop(x):
    for i in range(20):
        x = x * 1.3
        if np.sum(x) > 4.0:
            break
    return np.sum(x ** 2)


def test_for_with_break(checker):
    x = np.array([0.2, 0.3, 0.1])  # sums 0.78, 1.01, ..., 3.76, 4.89: breaks after 8 passes
    checker.check(break_loop, (x,), exact=lambda u, x: (u * 2.0 * 1.3 ** 16 * x,))


def skip_odd(x, n):
    for i in range(n):
        if i % 2 == 1:
            continue
        x = np.sin(x) + x
    return np.sum(x)


def _skip_odd_derivative(x, n):
    d = np.ones_like(x)
    for i in range(n):
        if i % 2 == 0:
            d, x = d * (np.cos(x) + 1.0), np.sin(x) + x
    return d


def test_for_with_continue(checker):
    checker.check(skip_odd, (uniform((3,)), 5), exact=lambda u, x, n: (u * _skip_odd_derivative(x, 5),))


def skip_negative_rows(A):
    total = 0.0
    for row in A:
        if np.sum(row) < 0.0:
            continue
        total = total + np.sum(row ** 2)
    return total


def test_continue_data_dependent(checker):
    A = np.array([[0.5, 0.2, -0.1], [-0.5, -0.2, 0.1], [0.3, 0.3, 0.3], [-0.9, 0.1, 0.2]])
    keep = (A.sum(axis=1) > 0.0)[:, None]
    checker.check(skip_negative_rows, (A,), exact=lambda u, A: (u * 2.0 * A * keep,))


def early_return(x):
    if np.sum(x) > 0.0:
        return np.sum(x ** 2)
    y = np.exp(x)
    return np.sum(y)


@pytest.mark.parametrize("x, exact", [
    (np.array([0.5, -0.2, 0.4]), lambda u, x: (u * 2.0 * x,)),
    (np.array([-0.5, 0.2, -0.4]), lambda u, x: (u * np.exp(x),)),
], ids=["returns_early", "falls_through"])
def test_early_return(checker, x, exact):
    checker.check(early_return, (x,), exact=exact)


def return_in_loop(x, n):
    for i in range(n):
        x = x * 1.2
        if np.sum(x) > 3.0:
            return np.sum(x ** 3)
    return np.sum(x)


@pytest.mark.parametrize("n, exact", [
    # sums 1.08, 1.30, ..., 2.69, 3.22: returns in the 7th pass
    (10, lambda u, x, n: (u * 3.0 * 1.2 ** 21 * x ** 2,)),
    (3, lambda u, x, n: (u * 1.2 ** 3 * np.ones(3),)),
], ids=["returns_inside", "loop_ends"])
def test_return_inside_loop(checker, n, exact):
    checker.check(return_in_loop, (np.array([0.3, 0.2, 0.4]), n), exact=exact)


def branch_in_loop(x, n):
    for i in range(n):
        if np.sum(x) > 0.0:
            x = x * 0.5 - 0.3
        else:
            x = np.sin(x) + 0.4
    return np.sum(x ** 2)


def test_data_dependent_branch_inside_loop(checker):
    # sums 0.8, -0.5, 0.71, -0.55, 0.66, -0.57: the branch alternates, never near 0
    checker.check(branch_in_loop, (np.array([0.6, -0.1, 0.3]), 6))


def break_inner_loop(A, x):
    for row in A:
        for k in range(5):
            x = x * 1.4 + row * 0.1
            if np.sum(x) > 2.4:
                break
        x = x * 0.3
    return np.sum(np.sin(x))


def test_break_leaves_only_the_inner_loop(checker):
    # inner sums: 0.92 1.37 2.00 2.87 | 1.45 2.27 3.41 | 1.46 2.08 2.94: all at least 0.13 from 2.4
    A = np.array([[0.5, 0.2, 0.1], [0.9, 1.2, 0.3], [0.1, 0.1, 0.1]])
    checker.check(break_inner_loop, (A, np.array([0.3, 0.2, 0.1])), wrt=(0, 1))


def continue_in_while(x, n):
    i = 0
    while i < n:
        i += 1
        if i % 3 == 0:
            continue
        x = np.tanh(x) * 1.5
    return np.sum(x)


def test_continue_in_while(checker):
    checker.check(continue_in_while, (np.array([0.2, 0.5]), 6))


def return_in_while(x):
    while np.sum(x) < 5.0:
        x = x * 1.7
        if np.max(x) > 1.5:
            return np.sum(x ** 2)
    return np.sum(x)


def test_return_inside_while(checker):
    # max(x): 0.34, 0.58, 0.98, 1.67: returns in the 4th pass
    checker.check(return_in_while, (np.array([0.2, 0.1]),), exact=lambda u, x: (u * 2.0 * 1.7 ** 8 * x,))


# ===========================================================================
# augmented assignment, tuple unpacking, conditional expressions
# ===========================================================================
def augmented(x, y):
    z = x * 2.0
    z += y ** 2
    z -= np.sin(x)
    z *= y
    z /= x + 3.0
    s = 0.0
    s += np.sum(z)
    s *= 2.0
    return s


def test_augmented_assignment(checker):
    def exact(u, x, y):
        p = 2.0 * x + y ** 2 - np.sin(x)
        gx = ((2.0 - np.cos(x)) * y * (x + 3.0) - p * y) / (x + 3.0) ** 2
        gy = (3.0 * y ** 2 + 2.0 * x - np.sin(x)) / (x + 3.0)
        return (2.0 * u * gx, 2.0 * u * gy)
    checker.check(augmented, (uniform((4,), 0.5, 1.5), uniform((4,))), wrt=(0, 1), exact=exact)


def augmented_scalar(x):
    y = 1.0
    y += x
    y *= x
    y -= 0.5 * x
    y /= 2.0
    return y


def test_augmented_assignment_python_float(checker):
    # y = ((1 + x) * x - 0.5 x) / 2 = (x^2 + 0.5 x) / 2
    checker.check(augmented_scalar, (1.3,), exact=lambda u, x: (u * (x + 0.25),))


def unpack(x):
    a, b = x * 2.0, x + 1.0
    return np.sum(a * b)


def test_tuple_unpacking(checker):
    checker.check(unpack, (uniform((4,)),), exact=lambda u, x: (u * (4.0 * x + 2.0),))


def unpack_swap(x, y):
    a, b = x, y
    for i in range(3):
        a, b = b * 0.5, a + np.sin(b)
    return np.sum(a * b)


def test_tuple_unpacking_simultaneous_in_loop(checker):
    checker.check(unpack_swap, (uniform((3,)), uniform((3,))), wrt=(0, 1))


def cond_expr(x):
    y = x ** 2 if x > 0.0 else -x
    return y * 3.0


@pytest.mark.parametrize("x, dydx", [(0.8, lambda x: 6.0 * x), (-0.6, lambda x: -3.0)], ids=["true", "false"])
def test_conditional_expression_scalar(checker, x, dydx):
    checker.check(cond_expr, (x,), exact=lambda u, x: (u * dydx(x),))


def cond_expr_array(x):
    y = np.sin(x) if np.sum(x) > 0.0 else np.cos(x)
    return np.sum(y * x)


@pytest.mark.parametrize("x, exact", [
    (np.array([0.5, 0.3, -0.1]), lambda u, x: (u * (np.cos(x) * x + np.sin(x)),)),
    (np.array([-0.5, 0.3, -0.1]), lambda u, x: (u * (-np.sin(x) * x + np.cos(x)),)),
], ids=["true", "false"])
def test_conditional_expression_array(checker, x, exact):
    checker.check(cond_expr_array, (x,), exact=exact)


# ===========================================================================
# calls to other plain functions
# ===========================================================================
def _helper(x):
    return np.sin(x) * x


def _outer_helper(x):
    return _helper(x) ** 2 + x


def _scaled(x, c=2.0):
    return c * x ** 2


def _pair(x):
    return x * 2.0, np.sin(x)


def _loop_helper(x, n):
    for i in range(n):
        x = np.sin(x) + x * 0.5
    return x


def calls_helper(x):
    return np.sum(_helper(x))


def helper_twice(x, y):
    return np.sum(_helper(x) * _helper(y))


def helper_chain(x):
    return np.sum(_outer_helper(x))


def helper_kwargs(x, y):
    return np.sum(_scaled(x) + _scaled(y, c=3.0))


def helper_returns_tuple(x):
    a, b = _pair(x)
    return np.sum(a * b)


def calls_loop_helper(x):
    return np.sum(_loop_helper(x, 3) * _loop_helper(x * 2.0, 2))


def _dhelper(x):
    return np.cos(x) * x + np.sin(x)


def test_call_helper(checker):
    checker.check(calls_helper, (uniform((4,)),), exact=lambda u, x: (u * _dhelper(x),))


def test_call_helper_twice_with_different_arguments(checker):
    checker.check(helper_twice, (uniform((4,)), uniform((4,))), wrt=(0, 1),
                  exact=lambda u, x, y: (u * _dhelper(x) * np.sin(y) * y, u * np.sin(x) * x * _dhelper(y)))


def test_call_chain_of_helpers(checker):
    checker.check(helper_chain, (uniform((4,)),),
                  exact=lambda u, x: (u * (2.0 * np.sin(x) * x * _dhelper(x) + 1.0),))


def test_call_helper_with_keyword_argument(checker):
    checker.check(helper_kwargs, (uniform((4,)), uniform((4,))), wrt=(0, 1),
                  exact=lambda u, x, y: (u * 4.0 * x, u * 6.0 * y))


def test_call_helper_returning_tuple(checker):
    checker.check(helper_returns_tuple, (uniform((4,)),),
                  exact=lambda u, x: (u * (2.0 * np.sin(x) + 2.0 * x * np.cos(x)),))


def test_call_helper_with_loop(checker):
    checker.check(calls_loop_helper, (uniform((4,)),))


# ===========================================================================
# keyword arguments with defaults; int, flag and shape arguments
# ===========================================================================
def kw_default(x, scale=2.0, power=3):
    return np.sum(scale * x ** power)


def test_keyword_defaults_used(checker):
    checker.check(kw_default, (uniform((4,)),), exact=lambda u, x: (u * 6.0 * x ** 2,))


def test_keyword_arguments_given_positionally(checker):
    checker.check(kw_default, (uniform((4,)), 0.5, 2), wrt=(0, 1),
                  exact=lambda u, x, s, p: (u * 2.0 * s * x, u * float(np.sum(x ** 2))))


def test_keyword_arguments_by_name(xp):
    x_np = uniform((4,))
    x = xp.to_array(x_np)
    g = xp.from_array(tad.grad(kw_default)(x, scale=0.5, power=2))
    np.testing.assert_allclose(g, 0.5 * 2.0 * x_np, rtol=1e-12)
    value, g2 = tad.value_and_grad(kw_default)(x, power=4)
    assert float(xp.from_array(value)) == pytest.approx(float(np.sum(2.0 * x_np ** 4)), rel=1e-12)
    np.testing.assert_allclose(xp.from_array(g2), 8.0 * x_np ** 3, rtol=1e-12)
    g_scale = tad.grad(kw_default, wrt="scale")(x, scale=0.5, power=2)
    assert isinstance(g_scale, float)
    assert g_scale == pytest.approx(float(np.sum(x_np ** 2)), rel=1e-12)


def flagged(x, n, square):
    for i in range(n):
        if square:
            x = x * x * 0.5 + 0.3
        else:
            x = np.sin(x) + 0.1
    return np.sum(x)


def _flagged_derivative(x, n, square):
    d = np.ones_like(x)
    for _ in range(n):
        if square:
            d, x = d * x, x * x * 0.5 + 0.3
        else:
            d, x = d * np.cos(x), np.sin(x) + 0.1
    return d


@pytest.mark.parametrize("square", [True, False])
def test_int_and_flag_arguments(checker, square):
    checker.check(flagged, (uniform((3,)), 3, square),
                  exact=lambda u, x, n, s: (u * _flagged_derivative(x, 3, square),))


def reshaped(x, shape):
    y = np.reshape(x, shape)
    return np.sum(y[0] * y[1])


def test_shape_argument(checker):
    def exact(u, x, shape):
        y = np.reshape(x, shape)
        g = np.zeros(shape)
        g[0], g[1] = y[1], y[0]
        return (u * g.reshape(x.shape),)
    checker.check(reshaped, (uniform((3, 4)), (2, 6)), exact=exact)
