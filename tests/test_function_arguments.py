"""A module-level helper given a function, inlined where the differentiated function calls it.

``apply(sq, x)`` with ``def apply(fn, v): return fn(v) * 2.0`` is differentiated as
``sq(x) * 2.0``: the function given may be a local lambda or nested def (closures too), a
lambda written in the call, a module-level def or a NumPy function with a rule. Each form
is checked in both modes against central differences and exact values, forward against
reverse, and second order; a helper that cannot be inlined keeping Python's meaning is
refused at the user's line, and a function value is never a constant.
"""
import numpy as np
import pytest

import tangent_ad as tad
from golden_comprehensions import apply as apply_of_another_module

X = np.array([0.5, -1.25, 2.0])
SCALE = 3.0


# ------------------------------------------------------------------ helpers given a function
def apply(fn, v):
    return fn(v) * 2.0


def square(t):
    return t * t


def twice(fn, v):
    """Calls its function twice, its own variable named like the caller's."""
    x = fn(v)
    return fn(x) + 3.0


def through(fn, v, weight=0.5):
    return apply(fn, v) * weight     # gives its function on to another helper


def pick(fn, v):
    if np.sum(v) > 0.0:
        return fn(v)
    return -fn(v)


def either(first, second, v):
    return first(v) + second(v * 2.0)


def apply_named_x(fn, x):
    return fn(x) * 2.0               # its parameter named like the caller's variable


def shifted(fn, v):
    x = v + 1.0                      # its own variable named like the caller's
    g = lambda u: fn(u) + x  # noqa: E731
    return g(v)


# ------------------------------------------------------------------ supported
def named_lambda(x):
    sq = lambda t: t ** 2  # noqa: E731
    return np.sum(apply(sq, x))


def lambda_in_the_call_closing_over_x(x):
    return np.sum(apply(lambda t: np.sin(t) * x[0], x))


def issue_example(x):
    sq = lambda t: t ** 2  # noqa: E731
    return np.sum(apply(sq, x)) + np.sum(apply(lambda t: np.sin(t) * x[0], x))


def numpy_and_module_level_def(x):
    return np.sum(apply(np.tanh, x)) + np.sum(apply(square, x))


def nested_def_called_twice(x):
    def cube(t):
        c = t * t
        return c * t
    return np.sum(twice(cube, x))


def handed_on_with_an_argument_computed(x):
    return np.sum(through(np.sin, x * 3.0, weight=0.25)) + np.sum(apply(np.cos, x))


def branches_in_the_helper(x):
    return np.sum(pick(lambda t: t * x, x))


def two_functions(x):
    return np.sum(either(np.exp, square, x))


def in_a_loop(x, n):
    total = 0.0
    for k in range(n):
        total = total + np.sum(apply(lambda t: t * k, x))
    return total


def keywords_and_names_like_the_callers(x):
    return np.sum(apply_named_x(x=x * 2.0, fn=lambda t: t * x[0]))


def inside_a_lambda_of_the_helper(x):
    return np.sum(shifted(lambda t: t * x[1], x))


CASES = [
    (named_lambda, (X,), lambda u, x: (u * 4 * x,)),
    (lambda_in_the_call_closing_over_x, (X,), lambda u, x: (
        u * (2 * np.cos(x) * x[0] + np.array([2 * np.sum(np.sin(x)), 0.0, 0.0])),)),
    (issue_example, (X,), lambda u, x: (
        u * (4 * x + 2 * np.cos(x) * x[0] + np.array([2 * np.sum(np.sin(x)), 0.0, 0.0])),)),
    (numpy_and_module_level_def, (X,), lambda u, x: (u * (2 * (1 - np.tanh(x) ** 2) + 4 * x),)),
    (nested_def_called_twice, (X,), lambda u, x: (u * 9 * x ** 8,)),
    (handed_on_with_an_argument_computed, (X,), lambda u, x: (
        u * (1.5 * np.cos(3 * x) - 2.0 * np.sin(x)),)),
    (branches_in_the_helper, (X,), lambda u, x: (u * 2 * x,)),
    (branches_in_the_helper, (X - 2.0,), lambda u, x: (-u * 2 * x,)),
    (two_functions, (X,), lambda u, x: (u * (np.exp(x) + 8 * x),)),
    (keywords_and_names_like_the_callers, (X,), lambda u, x: (
        u * (4.0 * x[0] * np.ones(3) + np.array([4.0 * np.sum(x), 0.0, 0.0])),)),
    (inside_a_lambda_of_the_helper, (X,), lambda u, x: (
        u * (x[1] * np.ones(3) + np.array([0.0, np.sum(x), 0.0]) + 1.0),)),
    (in_a_loop, (X, 3), lambda u, x, n: (u * np.full(3, 6.0),)),
]


@pytest.mark.parametrize("func,args,exact", CASES, ids=[c[0].__name__ for c in CASES])
def test_both_modes_against_central_differences_and_exact_values(checker, func, args, exact):
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    checker.check(func, args, wrt=0, exact=exact)


@pytest.mark.parametrize("func,args,exact", CASES, ids=[c[0].__name__ for c in CASES])
def test_forward_agrees_with_reverse_and_the_exact_gradient(func, args, exact):
    out = func(*args)
    gradient = tad.grad(func)(*args)
    np.testing.assert_allclose(gradient, exact(1.0, *args)[0], rtol=1e-12, atol=1e-14)
    for direction in np.eye(3):
        value, tangent = tad.jvp(func, tuple(args), (direction,) + (None,) * (len(args) - 1))
        assert value == out
        np.testing.assert_allclose(tangent, gradient @ direction, rtol=1e-12, atol=1e-15)


def test_second_order_through_an_inlined_helper():
    def f(x):
        cube = lambda t: t ** 3  # noqa: E731
        return np.sum(apply(cube, x)) + np.sum(apply(np.sin, x))

    np.testing.assert_allclose(tad.hessian(f)(X), np.diag(12 * X - 2 * np.sin(X)),
                               rtol=1e-12, atol=1e-14)


def test_the_printed_derivative_shows_the_helper_inlined_its_variables_renamed():
    text = tad.stages(nested_def_called_twice, "reverse", "x")["normalized"]
    assert "fn(" not in text and "twice(cube" not in text and "+ 3.0" in text
    assert "    c = x * x\n    x2 = c * x\n    c2 = x2 * x2\n" in text
    source = tad.source(issue_example, "reverse")
    code = [line for line in source.splitlines() if not line.strip().startswith("#")]
    assert code and not any("lambda" in line or "apply" in line for line in code)
    assert "np.sin(x)" in source


# ------------------------------------------------------------------ refused, at the user's line
def keeps(fn, v):
    functions = [fn]
    return functions[0](v)


def returns_it(fn, v):
    return fn


def rebinds(fn, v):
    fn = np.cos
    return fn(v)


def recursive_helper(fn, v, n):
    if n == 0:
        return fn(v)
    return recursive_helper(fn, fn(v), n - 1)


def loop_return(fn, v):
    for k in range(3):
        if v[k] > 1.0:
            return fn(v[k])
    return fn(v[0])


def reads_scale(fn, v):
    return fn(v) * SCALE


def given_on_to(fn, v):
    return apply(fn, v)


def to_a_builtin(fn, v):
    return np.array(list(map(fn, v)))


def stored(x):
    return np.sum(keeps(lambda t: t * t, x))


def returned(x):
    return np.sum(returns_it(np.sin, x)(x))


def rebound(x):
    return np.sum(rebinds(np.sin, x))


def recursion(x):
    return np.sum(recursive_helper(np.sin, x, 2))


def return_in_a_loop(x):
    return apply(np.sin, x)[0] + loop_return(np.sin, x)


def global_shadowed(x):
    SCALE = 2.0  # noqa: N806
    return np.sum(reads_scale(np.sin, x)) * SCALE


def global_not_read_by_the_caller(x):
    return np.sum(reads_scale(np.sin, x))


def helper_not_read_by_the_caller(x):
    return np.sum(given_on_to(np.sin, x))


def helper_of_another_module(x):
    return np.sum(apply_of_another_module(np.sin, x))


def given_on_to_map(x):
    return np.sum(to_a_builtin(np.sin, x))


REFUSED = [
    (stored, "stores, returns or passes on its function parameter fn"),
    (returned, "stores, returns or passes on its function parameter fn"),
    (rebound, "rebinds its function parameter fn"),
    (recursion, "calls itself"),
    (return_in_a_loop, "return inside a loop"),
    (global_shadowed, "reads the global SCALE"),
    (global_not_read_by_the_caller, "reads the global SCALE, which the differentiated function "
                                    "does not read itself"),
    (helper_not_read_by_the_caller, "reads the global apply, which the differentiated function "
                                    "does not read itself"),
    (helper_of_another_module, "defined in another module"),
    (given_on_to_map, "stores, returns or passes on its function parameter fn"),
]


@pytest.mark.parametrize("func,words", REFUSED, ids=[c[0].__name__ for c in REFUSED])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_refused_with_the_line_and_what_to_write(func, words, mode):
    with pytest.raises(tad.TransformError) as info:
        tad.source(func, mode)
    error = info.value
    assert error.construct == "function given to a helper" and words in str(error), str(error)
    assert error.filename == __file__
    assert error.lineno == func.__code__.co_firstlineno + (2 if func is global_shadowed else 1)
    assert str(error).startswith(f"{__file__}:{error.lineno}:")
    assert "; " in str(error) and error.hint


def test_a_global_the_helper_reads_is_watched_through_the_callers_reads():
    global SCALE
    def f(x):
        return np.sum(reads_scale(np.sin, x)) + SCALE

    saved = SCALE
    try:
        np.testing.assert_allclose(tad.grad(f)(X), 3.0 * np.cos(X), rtol=1e-12)
        SCALE = 5.0
        np.testing.assert_allclose(tad.grad(f)(X), 5.0 * np.cos(X), rtol=1e-12)
    finally:
        SCALE = saved


def test_a_helper_without_source_is_refused_at_the_call():
    namespace = {"np": np}
    exec("def hidden(fn, v):\n    return fn(v)\n", namespace)
    hidden = namespace["hidden"]

    def f(x):
        return np.sum(hidden(np.sin, x))

    with pytest.raises(tad.TransformError) as info:
        tad.grad(f)(X)
    assert info.value.construct == "function given to a helper"
    assert "hidden" in str(info.value) and "cannot be read" in str(info.value)
    assert info.value.filename == __file__
    assert info.value.lineno == f.__code__.co_firstlineno + 1
