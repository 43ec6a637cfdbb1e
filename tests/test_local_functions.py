"""Lambdas and nested defs inside a differentiated function, inlined where they are called.

``sq = lambda t: t ** 2`` then ``np.sum(sq(x))`` is differentiated as ``np.sum(x ** 2)``; a
nested def's statements go before the statement that calls it, its variables renamed;
names it reads from the function (closures, also over differentiated values) are read at
the call, as Python reads them. Each idiom is checked in both modes against central
differences and exact values (one given to a module-level helper: that helper is inlined
too); a local function otherwise used as a value, bound twice or recursive is refused at
the user's line, never taken as a constant.
"""
import numpy as np
import pytest

import tangent_ad as tad

X = np.array([0.5, -1.25, 2.0])


def _apply(f, v):
    return f(v)


# ------------------------------------------------------------------ the idioms
def named_lambda(x):
    sq = lambda t: t ** 2  # noqa: E731
    return np.sum(sq(x))


def closure_over_a_differentiated_value(x):
    y = np.sin(x)
    g = lambda t: t * y  # noqa: E731
    return np.sum(g(x))


def closure_read_at_the_call(x):
    k = 2.0
    f = lambda t: t * k  # noqa: E731
    k = 3.0
    return np.sum(f(x))


def nested_def(x):
    def inner(v):
        s = v * 2.0
        return np.sum(s * v)
    return inner(x) + inner(x + 1.0)


def parameter_reassigned(x):
    def step(v):
        v = v * 2.0
        return v + 1.0
    return np.sum(step(x) * x)


def constant_default(x):
    f = lambda t, k=3.0: k * t  # noqa: E731
    return np.sum(f(x) + f(x, k=0.5))


def called_at_once(x):
    return np.sum((lambda v: v * v)(x))


def argument_with_a_call(x):
    sq = lambda t: t * t  # noqa: E731
    return np.sum(sq(np.sin(x)))


def in_a_loop(x, n):
    total = 0.0
    for i in range(n):
        scale = lambda t: t * (i + 1.0)  # noqa: E731
        total = total + np.sum(scale(x))
    return total


def comprehension_in_the_body(x):
    f = lambda v: sum(v[i] ** 2 for i in range(2))  # noqa: E731
    return f(x) * 3.0


def called_in_a_comprehension(x):
    sq = lambda t: t * t  # noqa: E731
    return sum(sq(x[i]) for i in range(3))


def local_functions_calling_each_other(x):
    sq = lambda t: t * t  # noqa: E731

    def norm2(v):
        return np.sum(sq(v))
    cube = lambda t: norm2(t) * t[0]  # noqa: E731
    return cube(x)


def closure_not_the_callers_variable(x):
    y = x * 2.0
    g = lambda t: t * y  # noqa: E731

    def h(v):
        y = v + 1.0
        return g(y)
    return np.sum(h(x))


def closure_over_the_variable_assigned(x):
    s = 1.0
    f = lambda t: t * s  # noqa: E731
    s = sum(f(x[i]) for i in range(3))      # f reads the s of before the sum
    return s


def argument_named_like_a_loop_variable_inside(x):
    f = lambda t: sum(t[i] * x[i] for i in range(3))  # noqa: E731
    i = x * 2.0
    return f(i)


def early_return(x):
    def clipped(v):
        if np.sum(v) > 0.0:
            return v * v
        elif np.sum(v) > -1.0:
            s = v * 3.0
            return s
        return -v
    return np.sum(clipped(x))


def in_a_while_test(x):
    below = lambda k: k * k < 10  # noqa: E731
    k = 0
    while below(k):
        k = k + 1
    return x * k


def passed_to_a_helper(x):
    return np.sum(_apply(lambda v: v * v, x))      # inlined: tests/test_function_arguments.py


def named_then_passed(x):
    sq = lambda t: t * t  # noqa: E731
    return np.sum(_apply(sq, x))


CASES = [
    (named_lambda, (X,), lambda u, x: (u * 2 * x,)),
    (closure_over_a_differentiated_value, (X,), lambda u, x: (u * (np.sin(x) + x * np.cos(x)),)),
    (closure_read_at_the_call, (X,), lambda u, x: (u * np.full(3, 3.0),)),
    (nested_def, (X,), lambda u, x: (u * (4 * x + 4 * (x + 1)),)),
    (parameter_reassigned, (X,), lambda u, x: (u * (4 * x + 1),)),
    (constant_default, (X,), lambda u, x: (u * np.full(3, 3.5),)),
    (called_at_once, (X,), lambda u, x: (u * 2 * x,)),
    (argument_with_a_call, (X,), lambda u, x: (u * 2 * np.sin(x) * np.cos(x),)),
    (in_a_loop, (X, 3), lambda u, x, n: (u * np.full(3, 6.0),)),
    (comprehension_in_the_body, (X,), lambda u, x: (u * np.array([6 * x[0], 6 * x[1], 0.0]),)),
    (called_in_a_comprehension, (X,), lambda u, x: (u * 2 * x,)),
    (local_functions_calling_each_other, (X,), lambda u, x: (
        u * (2 * x * x[0] + np.array([np.sum(x * x), 0.0, 0.0])),)),
    (closure_not_the_callers_variable, (X,), lambda u, x: (u * (4 * x + 2),)),
    (in_a_while_test, (X,), lambda u, x: (u * np.full(3, 4.0),)),
    (early_return, (X,), lambda u, x: (u * 2 * x,)),
    (early_return, (X - 0.6,), lambda u, x: (u * np.full(3, 3.0),)),
    (early_return, (X - 1.0,), lambda u, x: (u * np.full(3, -1.0),)),
    (closure_over_the_variable_assigned, (X,), lambda u, x: (u * np.ones(3),)),
    (argument_named_like_a_loop_variable_inside, (X,), lambda u, x: (u * 4 * x,)),
    (passed_to_a_helper, (X,), lambda u, x: (u * 2 * x,)),
    (named_then_passed, (X,), lambda u, x: (u * 2 * x,)),
]


@pytest.mark.parametrize("func,args,exact", CASES, ids=[c[0].__name__ for c in CASES])
def test_both_modes_against_central_differences_and_exact_values(checker, func, args, exact):
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    checker.check(func, args, wrt=0, exact=exact)


@pytest.mark.parametrize("func,args,exact", CASES, ids=[c[0].__name__ for c in CASES])
def test_forward_agrees_with_reverse(func, args, exact):
    out = func(*args)
    if np.ndim(out):
        return       # in_a_while_test gives a vector: both modes checked above
    gradient = tad.grad(func)(*args)
    for direction in np.eye(3):
        value, tangent = tad.jvp(func, tuple(args), (direction,) + (None,) * (len(args) - 1))
        assert value == out
        np.testing.assert_allclose(tangent, gradient @ direction, rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------ as inlined
def normalized(func):
    return tad.stages(func, "reverse", "x")["normalized"]


def test_a_lambda_is_read_in_place_of_its_call():
    assert normalized(named_lambda) == "def named_lambda(x):\n    y = np.sum(x ** 2)\n    return y\n"


def test_an_argument_with_a_call_is_evaluated_once_into_a_variable_named_after_the_parameter():
    assert "    t = np.sin(x)\n    y = np.sum(t * t)\n" in normalized(argument_with_a_call)


def test_a_nested_def_has_its_statements_before_the_call_its_variables_renamed():
    text = normalized(nested_def)
    assert "    s = x * 2.0\n    first = np.sum(s * x)\n" in text
    assert "    v = x + 1.0\n    s2 = v * 2.0\n    y = first + np.sum(s2 * v)\n" in text


def test_returns_in_branches_become_one_result_returned_at_the_end():
    assert normalized(early_return) == (
        "def early_return(x):\n"
        "    if np.sum(x) > 0.0:\n"
        "        result = x * x\n"
        "    else:\n"
        "        if np.sum(x) > -1.0:\n"
        "            s = x * 3.0\n"
        "            result = s\n"
        "        else:\n"
        "            result = -x\n"
        "    y = np.sum(result)\n"
        "    return y\n")


def test_the_printed_derivative_has_no_lambda():
    source = tad.source(closure_over_a_differentiated_value, "reverse")
    assert "lambda" not in source and "x * y" in source


def test_a_lambda_that_is_never_called_is_left_out():
    def unused(x):
        double = lambda v: v * 2.0  # noqa: E731, F841
        return np.sum(x)

    np.testing.assert_allclose(tad.grad(unused)(X), np.ones(3))


# ------------------------------------------------------------------ refused, at the user's line
def passed_to_a_builtin(x):
    return np.sum(np.array(list(map(lambda v: v * v, x))))


def named_then_vectorized(x):
    sq = lambda t: t * t  # noqa: E731
    return np.sum(np.vectorize(sq)(x))


def stored_in_a_list(x):
    sq = lambda t: t * t  # noqa: E731
    functions = [sq]
    return np.sum(x) * len(functions)


def bound_twice(x):
    f = lambda t: t * 2.0  # noqa: E731
    f = lambda t: t * 3.0  # noqa: E731
    return np.sum(f(x))


def rebinds_a_parameter(x, g):
    g = lambda t: t * 2.0  # noqa: E731
    return np.sum(g(x))


def bound_twice_inside_a_def(x):
    def pick(v):
        if np.sum(v) > 0.0:
            f = lambda t: t * 2.0  # noqa: E731
        else:
            f = lambda t: t * 3.0  # noqa: E731
        return f(v)
    return np.sum(pick(x))


def recursive(x):
    def power(v, n):
        return v * power(v, n - 1)
    return np.sum(power(x, 3))


def return_in_a_loop(x):
    def first_large(v):
        for k in range(3):
            if v[k] > 1.0:
                return v[k]
        return v[0]
    return first_large(x)


def path_without_return(x):
    def maybe(v):
        if np.sum(v) > 0.0:
            return v * 2.0
        v = v * 3.0
    return np.sum(maybe(x))


def computed_default(x):
    k = np.sum(x)
    f = lambda t, s=k: s * t  # noqa: E731
    return np.sum(f(x))


def wrong_arguments(x):
    f = lambda a, b: a * b  # noqa: E731
    return np.sum(f(x))


def def_in_a_while_test(x):
    def small(v):
        w = v * v
        return np.sum(w) < 10.0
    while small(x):
        x = x * 2.0
    return np.sum(x)


def key_function(x):
    return max(x[0], x[1], key=lambda v: -v)


REFUSED = [
    (passed_to_a_builtin, "lambda", "used as a value"),
    (named_then_vectorized, "local function", "sq is used as a value"),
    (stored_in_a_list, "local function", "sq is used as a value"),
    (bound_twice, "local function", "bound again"),
    (rebinds_a_parameter, "local function", "g is a parameter, and a local function"),
    (bound_twice_inside_a_def, "local function", "bound twice"),
    (recursive, "recursive local function", "power calls itself"),
    (return_in_a_loop, "nested function definition", "return inside a loop"),
    (path_without_return, "nested function definition", "ends without a return"),
    (computed_default, "lambda", "default value of s"),
    (wrong_arguments, "call of a local function", "(f) that leaves out b"),
    (def_in_a_while_test, "call of a local function", "in a while loop's test"),
    (key_function, "lambda", "used as a value"),
]


@pytest.mark.parametrize("func,construct,words", REFUSED, ids=[c[0].__name__ for c in REFUSED])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_refused_with_the_line_and_what_to_write(func, construct, words, mode):
    with pytest.raises(tad.TransformError) as info:
        tad.source(func, mode)
    error = info.value
    assert error.construct == construct and words in str(error), str(error)
    assert error.filename == __file__
    first = func.__code__.co_firstlineno
    assert first < error.lineno <= first + 6
    assert str(error).startswith(f"{__file__}:{error.lineno}:")


def test_second_order_through_an_inlined_lambda():
    def cubes(x):
        f = lambda t: t ** 3  # noqa: E731
        return np.sum(f(x))

    np.testing.assert_allclose(tad.hessian(cubes)(X), np.diag(6.0 * X), rtol=1e-12)
