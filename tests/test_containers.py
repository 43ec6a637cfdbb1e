"""Lists and tuples of differentiated values (front/containers.py, rules/containers.py,
runtime/containers.py): built with literals, ``append`` and ``extend`` in loops, joined
with ``+``, sliced, indexed, iterated, stacked, summed and read by NumPy functions; tuples
a helper returns, held in a variable and indexed. Each is checked in both modes against
central differences and an exact gradient, and forward mode against reverse mode; what
tangent_ad cannot follow is refused at the user's line.
"""
import numpy as np
import pytest

import tangent_ad as tad
from strict_array import StrictArray, strict, unwrap
from tangent_ad.runtime.containers import Cotangents

X = np.array([0.3, -1.2, 2.0, 0.7])


def appended_then_stacked(x):
    ys = []
    for i in range(len(x)):
        ys.append(np.sin(x[i]) * x[i])
    return np.sum(np.stack(ys) ** 2)


def appended_then_array_same_name(x):
    ys = []
    for v in x:
        ys.append(v ** 3)
    ys = np.array(ys)
    return np.sum(ys * x)


def reads_back_while_growing(x):
    ys = [x[0]]
    for i in range(1, len(x)):
        ys.append(ys[i - 1] * x[i] + ys[-1])
    return sum(ys)


def mixed_shapes(x):
    parts = [x, np.sum(x), x[1:] * 2.0]
    return np.sum(parts[0]) * parts[1] + np.sum(parts[2] ** 2) + np.sum(sum(parts[:2]))


def tuple_held_and_unpacked(x):
    t = (x * 2.0, np.cos(x))
    a, b = t
    return np.sum(a * b) + np.sum(t[1])


def grown_in_while_loop(x):
    out = []
    s = x[0]
    i = 0
    while i < 3:
        s = s * x[1] + 0.5
        out.append(s)
        i += 1
    return out[0] * out[2] + len(out)


def numpy_reads_list(x):
    ys = [x[0] ** 2, x[1] * x[2], np.tanh(x[3])]
    return np.mean(ys) + np.max(ys) + max(ys) * min(ys)


def joined_with_plus(x):
    a = [x[0], x[1]]
    b = [x[2] ** 2]
    c = a + b
    c += [x[3]]
    return sum(c) * c[2]


def extended_in_loop(x):
    acc = []
    for i in range(2):
        acc.extend([x[i] * 2.0, x[i + 2] ** 2])
    return np.sum(np.array(acc) ** 2)


def sum_with_start(x):
    ys = [x[0], x[1] ** 2]
    return sum(ys, x[2])


def nested_lists(x):
    rows = []
    for i in range(2):
        row = []
        for j in range(2):
            row.append(x[2 * i + j] * (i + 1))
        rows.append(np.stack(row))
    return np.sum(np.stack(rows) ** 2)


def sliced(x):
    ys = [x[0], x[1] * 3.0, x[2], x[3]]
    zs = ys[1:3]
    return np.sum(np.stack(zs) ** 2) + ys[-1]


def concatenated(x):
    parts = []
    for i in range(2):
        parts.append(x[2 * i:2 * i + 2] * (i + 1.0))
    return np.sum(np.concatenate(parts) ** 3)


def iterated(x):
    ys = [x[0], x[1] * x[2]]
    total = 0.0
    for y in ys:
        total = total + y ** 2
    return total


def moments(v):
    return np.mean(v), np.mean(v * v)


def helper_tuple_held(x):
    p = moments(x)
    m, s = p
    return s - m * m + p[0]


def helper_tuple_indexed(x):
    return moments(x)[1] * 3.0


def constant_appended(x):
    ys = [x[0]]
    ys.append(2.0)
    ys.append(x[1] * x[0])
    return np.prod(np.array(ys))


def split_parts(x):
    parts = np.split(x, 2)
    return np.sum(parts[0] * parts[1]) + np.sum(parts[1] ** 2)


def split_iterated(x):
    total = 0.0
    for p in np.split(x, [1, 3]):
        total = total + np.sum(p ** 3)
    return total


def slogdet_indexed(x):
    a = np.outer(x[:2], x[:2]) + 3.0 * np.eye(2)
    return np.linalg.slogdet(a)[1]


def display_iterated(x):
    total = 0.0
    for v in [x[0], x[1] * 2.0]:
        total = total + v ** 2
    return total


def r_joined(x):
    return np.sum(np.r_[x[:2], x[2] * 2.0, 0:2] ** 2)


def c_joined(x):
    return np.sum(np.c_[x, x ** 2] @ np.array([1.0, 3.0]))


def copied_then_grown(x):
    ys = [x[0], x[1]]
    zs = list(ys)
    zs.append(x[2])
    return np.sum(np.stack(zs) ** 2) + len(ys)        # ys keeps its two values


def rows_of_an_array(x):
    rows = list(x)
    return np.sum(np.stack(rows[1:]) * 3.0) + rows[0] ** 2


def counted_then_grown(x):
    ys = [x[0], x[1]]
    s = 0.0
    for i in range(len(ys)):          # two steps: the list grows only after the loop
        s = s + ys[i] ** 2
    ys.append(s)
    return ys[2] + ys[0]


def filled_by_index(x):
    ys = [0.0] * len(x)
    for i in range(len(x)):
        ys[i] = x[i] ** 2
    ys[0] += x[1]
    return np.sum(np.array(ys) * np.arange(1.0, 5.0))


def element_replaced(x):
    ys = [x[0], x[1]]
    ys[0] = x[2] * 3.0            # x[0] no longer counts
    return ys[0] * ys[1]


def total(ys):
    s = 0.0
    for y in ys:
        s = s + y ** 2
    return s


def weighted(ys, w):
    return np.sum(np.stack(ys) * w)


def lists_given_to_helpers(x):
    ys = []
    for i in range(3):
        ys.append(x[i] * 2.0)
    return total(ys) + weighted(ys, x[3]) + total([x[0], x[3]]) + weighted((x[1], x[2]), 1.0)


def lists_given_to_helpers_gradient(x):
    return np.array([8 * x[0] + 2 * x[3] + 2 * x[0], 8 * x[1] + 2 * x[3] + 1.0,
                     8 * x[2] + 2 * x[3] + 1.0, 2 * (x[0] + x[1] + x[2]) + 2 * x[3]])


def pair_as_list(a):
    return [a, a * 2.0]


def helper_returns_a_list(x):
    first, second = pair_as_list(x)
    held = pair_as_list(x[1:])
    return np.sum(first * second) + np.sum(held[1]) + pair_as_list(x[0])[1]


def appended_in_enumerate(x):
    ys = []
    for i, v in enumerate(x):
        ys.append(i * v)
    return np.sum(np.array(ys) ** 2)


def comprehension_over_zip(x):
    return np.sum(np.array([a * b for a, b in zip(x, x[::-1])]))


def flags_then_scaled(x):
    return float(any([v > 1.0 for v in x])) * np.sum(x ** 2)


# f, exact gradient at X
CASES = [
    (appended_in_enumerate, lambda x: 2 * np.arange(4.0) ** 2 * x),
    (comprehension_over_zip, lambda x: 2 * x[::-1]),
    (flags_then_scaled, lambda x: 2 * x),
    (helper_returns_a_list, lambda x: 4 * x + np.array([2.0, 2.0, 2.0, 2.0])),
    (lists_given_to_helpers, lists_given_to_helpers_gradient),
    (filled_by_index, lambda x: np.array([2 * x[0], 1.0 + 4 * x[1], 6 * x[2], 8 * x[3]])),
    (element_replaced, lambda x: np.array([0.0, 3 * x[2], 3 * x[1], 0.0])),
    (copied_then_grown, lambda x: np.array([2 * x[0], 2 * x[1], 2 * x[2], 0.0])),
    (rows_of_an_array, lambda x: np.array([2 * x[0], 3.0, 3.0, 3.0])),
    (counted_then_grown, lambda x: np.array([2 * x[0] + 1.0, 2 * x[1], 0.0, 0.0])),
    (r_joined, lambda x: np.array([2 * x[0], 2 * x[1], 8 * x[2], 0.0])),
    (c_joined, lambda x: 1.0 + 6.0 * x),
    (split_parts, lambda x: np.array([x[2], x[3], x[0] + 2 * x[2], x[1] + 2 * x[3]])),
    (split_iterated, lambda x: 3 * x ** 2),
    (slogdet_indexed, None),
    (display_iterated, lambda x: np.array([2 * x[0], 8 * x[1], 0.0, 0.0])),
    (appended_then_stacked, lambda x: 2 * np.sin(x) * x * (np.cos(x) * x + np.sin(x))),
    (appended_then_array_same_name, lambda x: 4 * x ** 3),
    (tuple_held_and_unpacked, lambda x: 2 * np.cos(x) - 2 * x * np.sin(x) - np.sin(x)),
    (joined_with_plus, None),
    (extended_in_loop, lambda x: np.array([8 * x[0], 8 * x[1], 4 * x[2] ** 3, 4 * x[3] ** 3])),
    (sum_with_start, lambda x: np.array([1.0, 2 * x[1], 1.0, 0.0])),
    (nested_lists, lambda x: np.array([2 * x[0], 2 * x[1], 8 * x[2], 8 * x[3]])),
    (sliced, lambda x: np.array([0.0, 18 * x[1], 2 * x[2], 1.0])),
    (concatenated, lambda x: np.array([3 * x[0] ** 2, 3 * x[1] ** 2, 24 * x[2] ** 2, 24 * x[3] ** 2])),
    (iterated, lambda x: np.array([2 * x[0], 2 * x[1] * x[2] ** 2, 2 * x[2] * x[1] ** 2, 0.0])),
    (helper_tuple_held, lambda x: (2 * x - 2 * np.mean(x)) / x.size + 1.0 / x.size),
    (helper_tuple_indexed, lambda x: 6 * x / x.size),
    (constant_appended, lambda x: np.array([4 * x[0] * x[1], 2 * x[0] ** 2, 0.0, 0.0])),
    (reads_back_while_growing, None),
    (mixed_shapes, None),
    (grown_in_while_loop, None),
    (numpy_reads_list, None),
]


@pytest.mark.parametrize("f, exact", CASES, ids=[f.__name__ for f, _ in CASES])
def test_both_modes_agree_with_central_differences(f, exact):
    grad = tad.grad(f)(X)
    np.testing.assert_allclose(grad, tad.numerical_grad(f, X), rtol=1e-6, atol=1e-8)
    if exact is not None:
        np.testing.assert_allclose(grad, exact(X), rtol=1e-12, atol=1e-12)
    for k in range(X.size):         # forward mode, one direction at a time, against reverse mode
        direction = np.eye(X.size)[k]
        value, tangent = tad.jvp(f, (X,), (direction,))
        assert value == pytest.approx(f(X), rel=1e-14)
        assert tangent == pytest.approx(grad[k], rel=1e-10, abs=1e-12)


def used_on_one_branch(x, c):
    ys = [x[0] * 2.0, x[1]]
    s = 1.0
    if c > 0:
        s = ys[0] * ys[1]
    return s + x[2]


def grown_n_times(x, n):
    ys = []
    for i in range(n):
        ys.append(x[i])
    return np.sum(x) + sum(ys, 0.0)


@pytest.mark.parametrize("f, other, exact", [
    (used_on_one_branch, 1.0, [2 * X[1], 2 * X[0], 1.0, 0.0]),
    (used_on_one_branch, -1.0, [0.0, 0.0, 1.0, 0.0]),
    (grown_n_times, 0, [1.0, 1.0, 1.0, 1.0]),        # the list stays empty: nothing flows back
    (grown_n_times, 3, [2.0, 2.0, 2.0, 1.0]),
])
def test_a_list_no_adjoint_reaches_on_some_path(f, other, exact):
    np.testing.assert_allclose(tad.grad(f)(X, other), exact)
    np.testing.assert_allclose(tad.numerical_grad(f, X, other), exact, atol=1e-8)
    assert tad.jvp(f, (X, other), (np.ones_like(X), None))[1] == pytest.approx(sum(exact))


# (np.array of a list of CuPy arrays fails in the function itself, as it does on CuPy: the
# cases written with np.array(ys) are left out)
STRICT_CASES = ["appended_then_stacked", "reads_back_while_growing", "joined_with_plus", "nested_lists",
                "sliced", "concatenated", "split_parts", "lists_given_to_helpers", "tuple_held_and_unpacked"]


@pytest.mark.parametrize("name", STRICT_CASES)
def test_lists_keep_a_gpu_like_array_in_its_library(name):
    # a CuPy-like array that refuses any conversion to NumPy: the lists' runtime stays on it
    f = globals()[name]
    grad = tad.grad(f)(strict(X))
    assert isinstance(grad, StrictArray)
    np.testing.assert_allclose(unwrap(grad), tad.grad(f)(X), rtol=1e-12)
    _, tangent = tad.jvp(f, (strict(X),), (strict(np.ones_like(X)),))
    np.testing.assert_allclose(unwrap(tangent), np.sum(tad.grad(f)(X)), rtol=1e-10)


def test_float32_lists_keep_their_dtype():
    x = X.astype(np.float32)
    grad = tad.grad(appended_then_stacked)(x)
    assert grad.dtype == np.float32
    exact = dict((f.__name__, e) for f, e in CASES)["appended_then_stacked"]
    np.testing.assert_allclose(grad, exact(X), rtol=1e-5)


def test_a_growing_list_is_printed_as_the_new_list_it_makes():
    source = tad.source(appended_then_array_same_name)
    assert "ys_list = ys_list + [t1]" in source          # ys.append(v ** 3), under its list name
    assert "ys = np.array(ys_list)" in source
    assert "t1_bar = item_adjoint(ys_list_bar, -1)" in source            # ys_list_bar[-1]
    assert "ys_list_bar = head_adjoint(ys_list_bar, -1)" in source       # ys_list_bar[:-1]
    forward = tad.source(appended_then_array_same_name, mode="forward")
    assert "ys_list_dot = ys_list_dot + [t1_dot]" in forward


def test_cotangents_add_element_by_element():
    a = Cotangents([1.0, np.ones(2)])
    total = 0.0 + a + Cotangents([2.0, np.full(2, 3.0)])
    assert isinstance(total, Cotangents) and total[0] == 3.0
    np.testing.assert_array_equal(total[1], [4.0, 4.0])
    assert isinstance(total[:1], Cotangents)
    with pytest.raises(ValueError, match="lists of 2 and 1"):
        a + Cotangents([1.0])


# ---------------------------------------------------------------- refused
def grows_shared(x):
    ys = [x]
    zs = ys
    ys.append(x * 2.0)        # zs is the same list: it grows too
    return np.sum(np.stack(zs))


def grows_callers_list(x, ys):
    ys.append(x)
    return np.sum(np.stack(ys))


def list_plus_array(x):
    ys = [x[0], x[1]]
    return np.sum(ys + x[:2])


def repeated(x):
    ys = [x[0]]
    return np.sum(np.array(ys * 2))


def list_then_array_in_loop(x):
    ys = []
    for i in range(2):
        ys.append(x[i])
        ys = np.array(ys)
    return np.sum(ys)


def returns_list(x):
    return [x, x * 2.0]


def r_directive(x):
    return np.sum(np.r_["0,2", x, x])


def row_stored_then_grown(x):
    rows = []
    for i in range(2):
        row = []
        rows.append(row)          # rows holds this very list: the appends below change it
        row.append(x[i])
    return np.sum(np.array(rows))


def one_row_for_all(x):
    rows = []
    row = []
    for i in range(2):
        row.append(x[i])
        rows.append(row)
    return np.sum(np.array(rows[0]))


def grown_through_an_alias(x):
    ys = [x[0]]
    zs = ys
    zs += [x[1]]
    return np.sum(np.array(ys))


def grown_while_iterated(x):
    ys = [x[0]]
    for y in ys:
        if len(ys) < 3:
            ys.append(y * 2.0)
    return np.sum(np.array(ys))


def rows_finished_then_stored(x):
    rows = []
    for i in range(2):
        row = []
        row.append(x[i])
        row.append(x[i] * 2.0)
        rows.append(row)
    return np.sum(np.array(rows) ** 2)


def test_a_list_stored_once_it_stopped_growing_is_followed():
    exact = np.array([10 * X[0], 10 * X[1], 0.0, 0.0])
    np.testing.assert_allclose(tad.grad(rows_finished_then_stored)(X), exact)
    assert tad.jvp(rows_finished_then_stored, (X,), (np.ones_like(X),))[1] == pytest.approx(exact.sum())


def slice_store(x):
    ys = [x[0], x[1], x[2]]
    ys[0:2] = [x[3]]
    return sum(ys)


def stores_into_callers_list(x, ys):
    ys[0] = x
    return np.sum(ys[0] * 2.0 + ys[1])


def test_a_store_into_a_list_the_caller_passed_is_differentiated():
    # ys reaches the derivative as a list: the store's rules work on the list's elements
    ys = [np.zeros(4), X ** 2]
    np.testing.assert_allclose(tad.grad(stores_into_callers_list)(X, ys), 2.0 * np.ones(4))
    value, tangent = tad.jvp(stores_into_callers_list, (X, [np.zeros(4), X ** 2]), (np.ones(4), None))
    assert tangent == pytest.approx(8.0)


REFUSED = [
    (slice_store, "assignment into a slice of the list ys", (X,)),
    (row_stored_then_grown, "the list row put into another list while it still grows", (X,)),
    (one_row_for_all, "the list row put into another list while it still grows", (X,)),
    (grown_through_an_alias, "zs = ys, then growing zs", (X,)),
    (grown_while_iterated, "a for loop over the list ys that grows inside it", (X,)),
    (r_directive, "the directive '0,2' in np.r_[...]", (X,)),
    (grows_shared, "zs = ys, a list that grows", (X,)),
    (grows_callers_list, "changing the list ys the caller passed in", (X, [X])),
    (list_plus_array, "+ of a list and an array", (X,)),
    (repeated, "an operator other than +", (X,)),
    (list_then_array_in_loop, "ys holding a list of differentiated values in one place", (X,)),
]


@pytest.mark.parametrize("f, words, args", REFUSED, ids=[f.__name__ for f, _, _ in REFUSED])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_what_cannot_be_followed_is_refused_at_the_users_line(f, words, args, mode):
    with pytest.raises(tad.TransformError) as error:
        tad.derivative(f, mode=mode)
    message = str(error.value)
    assert words in message
    assert "test_containers.py" in message


def test_returning_a_list_is_refused_with_what_to_write():
    with pytest.raises(tad.TransformError, match="np.stack"):
        tad.jvp(returns_list, (X,), (np.ones_like(X),))


def test_hessian_through_a_list():
    # forward mode over the gradient's code: its tape stays a tape, the user's list a list
    np.testing.assert_allclose(tad.hessian(appended_then_array_same_name)(X), np.diag(12.0 * X ** 2),
                               rtol=1e-12, atol=1e-12)


def loss_with_history(x):
    history = []                 # only the auxiliary data reads it
    total = 0.0
    for i in range(len(x)):
        e = x[i] ** 2
        history.append(e)
        total = total + e
    return total, history


def test_a_list_only_the_auxiliary_data_reads():
    grad, history = tad.grad(loss_with_history, has_aux=True)(X)
    np.testing.assert_allclose(grad, 2.0 * X)
    np.testing.assert_allclose(history, X ** 2)
