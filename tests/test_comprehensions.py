"""List comprehensions and generator expressions, written out as the loops a person writes.

``sum(x[i] ** 2 for i in range(n))`` is differentiated as a total added up in a ``for``
loop; ``np.array([...])``, ``np.stack([...])`` and ``max(...)`` as a list appended to in a
loop, then the call on that list. Each idiom is checked in both modes against central
differences and the derivative worked out by hand; the normalized source shows the loop;
what cannot be written out where Python evaluates it is refused at the user's line.
"""
import numpy as np
import pytest

import tangent_ad as tad
from conftest import ARRAY_LIBS, GradChecker

X = np.array([0.5, -1.25, 2.0])
W = np.array([1.5, 0.25, -0.75])     # only as an argument: the strict array takes no host array


# ------------------------------------------------------------------ the idioms
def sum_of_squares(x, n):
    return sum(x[i] ** 2 for i in range(n))


def sum_with_start(x):
    return sum((np.sin(x[i]) for i in range(len(x))), 1.5)


def sum_with_start_keyword(x):
    return sum((x[i] * x[i] for i in range(2)), start=x[2])


def pairs_filtered(x):
    return sum(x[i] * x[j] for i in range(3) for j in range(3) if i != j)


def over_the_elements(x):
    return sum(v * v for v in x)


def enumerate_and_zip(x, w):
    return sum(i * v for i, v in enumerate(x)) + sum(a * b for a, b in zip(x, w))


def constants_in_a_list(x):
    w = [float(k) ** 2 for k in range(3)]
    return sum(w[k] * x[k] for k in range(3))


def largest_constant(x):
    scale = max(k * 0.5 for k in range(1, 4) if k != 2)
    return np.sum(x) * scale


def variable_does_not_leak(x):
    i = 2.0
    s = sum(x[i] for i in range(3))
    return s * i


def inside_a_loop(x, n):
    total = 0.0
    for step in range(n):
        total = total + sum(x[i] * step for i in range(len(x)) if x[i] > 0.0)
    return total


def nested_comprehension(x):
    return sum(sum(x[i] * x[j] for j in range(i + 1)) for i in range(3))


def stacked(x):
    return np.sum(np.stack([np.sin(v) for v in x]) * x)


def softplus(v):
    return np.log(1.0 + np.exp(v))


def helper_on_each_row(x):
    return np.sum(np.stack([softplus(row) for row in x]) * x)


def array_of_squares(x):
    return np.sum(np.array([x[i] ** 2 for i in range(3)]) * x)


def largest(x):
    return max(x[i] * 2.0 for i in range(3))


def sum_of_a_list(x):
    return sum([x[i] ** 3 for i in range(3)])


def numpy_sum_of_a_list(x):
    return np.sum([x[i] ** 3 for i in range(3)])


def list_then_indexed(x):
    cubes = [v ** 3 for v in x]
    return cubes[0] + 2.0 * cubes[2]


def any_and_all(x):
    if any(v > 1.0 for v in x):
        x = x * x
    if all(x[i] > 0.0 for i in range(len(x))):
        x = 3.0 * x
    return np.sum(x)


def list_rebuilt_from_itself(x):
    x = [v * 2.0 for v in x]
    return x[0] + x[2]


def in_a_branch(x, flag):
    return np.sum(x) if flag else sum(x[i] ** 2 for i in range(3))


def right_of_or(x, flag):
    total = flag or sum(x[i] for i in range(3))
    return total * x[0]


def nested_lists(x):
    return np.sum(np.array([[x[i] * x[j] for j in range(2)] for i in range(2)]))


CASES = [
    # function, arguments, wrt, exact gradient(s) given the output cotangent u
    (sum_of_squares, (X, 2), 0, lambda u, x, n: (u * np.array([2 * x[0], 2 * x[1], 0.0]),)),
    (sum_with_start, (X,), 0, lambda u, x: (u * np.cos(x),)),
    (sum_with_start_keyword, (X,), 0, lambda u, x: (u * np.array([2 * x[0], 2 * x[1], 1.0]),)),
    (pairs_filtered, (X,), 0, lambda u, x: (u * 2 * (np.sum(x) - x),)),
    (over_the_elements, (X,), 0, lambda u, x: (u * 2 * x,)),
    (enumerate_and_zip, (X, W), (0, 1), lambda u, x, w: (u * (np.arange(3.0) + w), u * x)),
    (constants_in_a_list, (X,), 0, lambda u, x: (u * np.array([0.0, 1.0, 4.0]),)),
    (largest_constant, (X,), 0, lambda u, x: (u * np.full(3, 1.5),)),
    (variable_does_not_leak, (X,), 0, lambda u, x: (u * np.full(3, 2.0),)),
    (inside_a_loop, (X, 3), 0, lambda u, x, n: (u * np.where(x > 0, 3.0, 0.0),)),
    (nested_comprehension, (X,), 0, lambda u, x: (u * np.array([
        2 * x[0] + x[1] + x[2], x[0] + 2 * x[1] + x[2], x[0] + x[1] + 2 * x[2]]),)),
    (stacked, (X,), 0, lambda u, x: (u * (np.cos(x) * x + np.sin(x)),)),
    (largest, (X,), 0, lambda u, x: (u * np.array([0.0, 0.0, 2.0]),)),
    (sum_of_a_list, (X,), 0, lambda u, x: (u * 3 * x ** 2,)),
    (list_then_indexed, (X,), 0, lambda u, x: (u * np.array([3 * x[0] ** 2, 0.0, 6 * x[2] ** 2]),)),
    (helper_on_each_row, (np.array([[0.5, -1.0], [2.0, 0.25]]),), 0, lambda u, x: (
        u * (np.log1p(np.exp(x)) + x / (1.0 + np.exp(-x))),)),
    (any_and_all, (X,), 0, lambda u, x: (u * 6 * x,)),          # any: yes, then all (of x * x): yes
    (any_and_all, (np.array([0.5, 0.25, 0.75]),), 0, lambda u, x: (u * np.full(3, 3.0),)),
    (any_and_all, (np.array([-0.5, 0.25, 0.75]),), 0, lambda u, x: (u * np.ones(3),)),
    (in_a_branch, (X, True), 0, lambda u, x, flag: (u * np.ones(3),)),
    (in_a_branch, (X, False), 0, lambda u, x, flag: (u * 2 * x,)),
    (right_of_or, (X, False), 0, lambda u, x, flag: (u * (x[0] + np.array([np.sum(x), 0.0, 0.0])),)),
    (right_of_or, (X, 2.0), 0, lambda u, x, flag: (u * np.array([2.0, 0.0, 0.0]),)),
    (list_rebuilt_from_itself, (X,), 0, lambda u, x: (u * np.array([2.0, 0.0, 2.0]),)),
]


# np.array and np.sum of a Python list of 0-d arrays: NumPy's idioms (CuPy, Dask and the
# strict stand-in do not turn a list of their arrays into one), checked on NumPy arrays
NUMPY_CASES = [
    (array_of_squares, (X,), 0, lambda u, x: (u * 3 * x ** 2,)),
    (numpy_sum_of_a_list, (X,), 0, lambda u, x: (u * 3 * x ** 2,)),
    (nested_lists, (X,), 0, lambda u, x: (u * np.array([2 * (x[0] + x[1])] * 2 + [0.0]),)),
]


@pytest.mark.parametrize("func,args,wrt,exact", CASES, ids=[c[0].__name__ for c in CASES])
def test_both_modes_against_central_differences_and_exact_values(checker, func, args, wrt, exact):
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    checker.check(func, args, wrt=wrt, exact=exact)


@pytest.mark.parametrize("func,args,wrt,exact", NUMPY_CASES, ids=[c[0].__name__ for c in NUMPY_CASES])
def test_numpy_idioms_in_both_modes_against_central_differences_and_exact_values(func, args, wrt,
                                                                                 exact):
    GradChecker(ARRAY_LIBS[0]).check(func, [a.copy() for a in args], wrt=wrt, exact=exact)


@pytest.mark.parametrize("func,args,wrt,exact", CASES + NUMPY_CASES,
                         ids=[c[0].__name__ for c in CASES + NUMPY_CASES])
def test_forward_agrees_with_reverse(func, args, wrt, exact):
    if isinstance(wrt, tuple):
        wrt = wrt[0]
    x = args[wrt]
    gradient = tad.grad(func, wrt=wrt)(*args)
    for direction in np.eye(x.size):
        tangents = [None] * len(args)
        tangents[wrt] = direction.reshape(x.shape)
        value, tangent = tad.jvp(func, tuple(args), tuple(tangents))
        assert value == func(*args)
        np.testing.assert_allclose(tangent, np.sum(gradient * tangents[wrt]), rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------ the loops, as written
def normalized(func, wrt="x"):
    return tad.stages(func, "reverse", wrt)["normalized"]


def test_sum_of_a_generator_is_a_total_added_up_in_a_loop():
    assert normalized(sum_of_squares) == (
        "def sum_of_squares(x, n):\n"
        "    total = 0\n"
        "    for i in range(n):\n"
        "        total = total + x[i] ** 2\n"
        "    return total\n")


def test_sum_starts_at_its_start_value():
    assert "    total = 1.5\n    for i in range(len(x)):\n        total = total + np.sin(x[i])\n" \
        in normalized(sum_with_start)


def test_filters_and_nested_fors_are_ifs_and_loops_in_order():
    assert normalized(pairs_filtered) == (
        "def pairs_filtered(x):\n"
        "    total = 0\n"
        "    for i in range(3):\n"
        "        for j in range(3):\n"
        "            if i != j:\n"
        "                total = total + x[i] * x[j]\n"
        "    return total\n")


def test_a_list_is_appended_to_in_a_loop_then_given_to_the_call():
    def weighted(x):
        return np.sum(np.array([float(k) ** 2 for k in range(3)]) * x)

    assert normalized(weighted) == (
        "def weighted(x):\n"
        "    values = []\n"
        "    for k in range(3):\n"
        "        values.append(float(k) ** 2)\n"
        "    y = np.sum(np.array(values) * x)\n"
        "    return y\n")
    np.testing.assert_allclose(tad.grad(weighted)(X), [0.0, 1.0, 4.0])
    assert normalized(stacked).startswith(
        "def stacked(x):\n    values = []\n    for v in x:\n        values.append(np.sin(v))\n")


def test_a_list_assigned_to_a_name_is_built_in_that_name():
    assert "    cubes = []\n    for v in x:\n        cubes.append(v ** 3)\n" \
        in normalized(list_then_indexed)


def test_any_stops_at_the_first_element_that_decides_it():
    def first_positive(x):
        return np.sum(x) if any(v > 0.0 for v in x) else 0.0

    text = normalized(first_positive)
    assert "found = False" in text and "found = True" in text and "broke = True" in text
    np.testing.assert_allclose(tad.grad(first_positive)(X), np.ones(3))


def test_a_list_rebuilt_from_itself_is_built_apart_then_copied():
    assert "    values = []\n    for v in x:\n        values.append(v * 2.0)\n    x = list(values)\n" \
        in normalized(list_rebuilt_from_itself)


def test_a_branch_or_a_later_operand_runs_its_loop_only_where_python_evaluates_it():
    assert normalized(in_a_branch) == (
        "def in_a_branch(x, flag):\n"
        "    if flag:\n"
        "        value = np.sum(x)\n"
        "    else:\n"
        "        value = 0\n"
        "        for i in range(3):\n"
        "            value = value + x[i] ** 2\n"
        "    return value\n")
    assert "    total = flag\n    if not total:\n        total = 0\n        for i in range(3):\n" \
        in normalized(right_of_or)


def test_a_loop_variable_that_the_function_uses_gets_a_fresh_name():
    text = normalized(variable_does_not_leak)
    assert "for i2 in range(3):\n        s = s + x[i2]\n" in text
    assert "y = s * i\n" in text
    assert variable_does_not_leak(X) == tad.value_and_grad(variable_does_not_leak)(X)[0]


def test_an_operand_computed_before_the_loop_keeps_its_place():
    def uses_before(x):
        return np.sum(np.sin(x)) + sum(x[i] for i in range(2))

    text = normalized(uses_before)
    assert text.index("first = np.sum(np.sin(x))") < text.index("for i in range(2):")
    np.testing.assert_allclose(tad.grad(uses_before)(X), np.cos(X) + np.array([1.0, 1.0, 0.0]))


CALLS = []


def tick(k):
    CALLS.append(k)
    return float(k)


def calls_in_order(x):
    return tick(1) * x[0] + sum(x[i] * tick(2) for i in range(2)) + tick(3)


def test_calls_run_in_the_order_python_runs_them():
    CALLS.clear()
    calls_in_order(X)
    in_python = list(CALLS)
    for mode in ("reverse", "forward"):
        CALLS.clear()
        derivative = tad.derivative(calls_in_order, mode)
        derivative(X.copy()) if mode == "reverse" else derivative(X.copy(), np.ones(3))
        assert CALLS == in_python == [1, 2, 2, 3]


def test_the_printed_derivative_shows_the_loop():
    source = tad.source(sum_of_squares, "reverse", "x")
    assert "total = 0\n" in source and "for i in range(n):" in source and "total = total + " in source


# ------------------------------------------------------------------ refused, at the user's line
def kept_generator(x):
    squares = (v * v for v in x)
    return sum(squares)


def generator_to_numpy(x):
    return np.sum(x[i] for i in range(3))


def in_a_while_test(x):
    k = 0
    while sum(x[i] for i in range(k)) < 1.0:
        k = k + 1
    return x * k


def several_fors_given_to_any(x):
    if any(x[i] > x[j] for i in range(3) for j in range(3)):
        return np.sum(x)
    return np.sum(x * x)


def in_a_default(x, scale=sum(k for k in range(3))):
    return x * scale


REFUSED = [
    (kept_generator, "generator expression", "kept as a value"),
    (generator_to_numpy, "generator expression", "given to np.sum()"),
    (in_a_while_test, "generator expression", "in a while loop's test"),
    (in_a_default, "generator expression", "in a default value"),
    (several_fors_given_to_any, "generator expression", "several for clauses given to any()"),
]


@pytest.mark.parametrize("func,construct,words", REFUSED, ids=[c[0].__name__ for c in REFUSED])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_refused_where_it_cannot_be_written_out(func, construct, words, mode):
    with pytest.raises(tad.TransformError) as info:
        tad.source(func, mode, "x")
    error = info.value
    assert error.construct == construct and words in str(error)
    assert error.filename == __file__
    assert "(" in error.text and error.text.strip().startswith(
        ("squares", "return", "while", "assert", "def", "if"))
    assert error.lineno in range(func.__code__.co_firstlineno, func.__code__.co_firstlineno + 4)


def test_set_and_dict_comprehensions_stay_refused_by_the_fence():
    def as_set(x):
        return len({v for v in x}) * x

    with pytest.raises(tad.TransformError) as info:
        tad.grad(lambda x: np.sum(as_set(x)))(X)
    assert info.value.construct == "set comprehension"


def test_second_order_through_the_loops():
    x = X.copy()
    np.testing.assert_allclose(tad.hessian(sum_of_a_list)(x), np.diag(6.0 * x), rtol=1e-12)
    np.testing.assert_allclose(tad.hessian(stacked)(x), np.diag(2.0 * np.cos(x) - x * np.sin(x)),
                               rtol=1e-12, atol=1e-14)
