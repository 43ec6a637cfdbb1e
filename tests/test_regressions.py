"""Functions that tangent_ad once got wrong, each reduced to a few lines.

Most were found by the random programs (tests/test_hypothesis_programs.py,
scripts/random_programs.py), the rest while probing the fence. Each test states the right
answer: the derivative that central differences give (or, for code outside the subset, a
``TransformError`` pointing at this file). Names listed in
``program_strategies.KNOWN_ISSUES`` are the tests the random programs wait for before they
generate that construct again.
"""
import math
import os

import numpy as np
import pytest

import tangent_ad as tad
from conftest import numeric_grad

THIS_FILE = os.path.realpath(__file__)


def _copies(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def reference_grad(f, args, i):
    """Central differences of f with respect to args[i]; f gets fresh copies every call."""
    return numeric_grad(lambda *a: f(*_copies(a)), list(args), i)


def assert_right(f, args, wrt=0):
    """Both modes agree with central differences (and the value with f), inputs left as they were."""
    before = _copies(args)
    expected_value = f(*_copies(args))
    value, grad = tad.value_and_grad(f, wrt=wrt)(*args)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12, err_msg="value_and_grad value vs f")
    reference = reference_grad(f, args, wrt)
    np.testing.assert_allclose(grad, reference, rtol=1e-6, atol=1e-8, err_msg="reverse vs central differences")
    np.testing.assert_allclose(tad.grad(f, wrt=wrt)(*args), reference, rtol=1e-6, atol=1e-8)
    arg = args[wrt]
    forward = np.zeros(np.shape(arg))
    for index in np.ndindex(*np.shape(arg)):
        direction = np.zeros(np.shape(arg))
        direction[index] = 1.0
        tangents = [None] * len(args)
        tangents[wrt] = direction if np.shape(arg) else 1.0
        out, out_dot = tad.jvp(f, tuple(args), tuple(tangents))
        np.testing.assert_allclose(out, expected_value, rtol=1e-12, err_msg="jvp value vs f")
        forward[index] = out_dot
    np.testing.assert_allclose(forward, reference, rtol=1e-6, atol=1e-8, err_msg="forward vs central differences")
    out, f_vjp = tad.vjp(f, *args)
    np.testing.assert_allclose(f_vjp(1.0)[wrt], reference, rtol=1e-6, atol=1e-8, err_msg="vjp vs central differences")
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b, err_msg="an argument was changed by a derivative")


def assert_rejected_or_right(f, args, wrt=0):
    """Outside the subset: a TransformError that points into this file; otherwise the right answer."""
    try:
        tad.source(f, "reverse", wrt=wrt)
        tad.source(f, "forward", wrt=wrt)
    except tad.TransformError as err:
        assert os.path.realpath(err.filename) == THIS_FILE, err
        return
    assert_right(f, args, wrt)


# --------------------------------------------------------------- wrong derivatives

def store_into_a_name_that_became_an_alias(x):
    a = x * 2.0
    b = x * 3.0
    for i in range(2):
        b[0] = 1.0             # the second time round, b is a: this store changes a
        b = a
    return np.sum(a * x)


def test_store_through_a_name_that_became_an_alias_in_the_loop():
    """Found by probing. Was: the gradient of a store through ``b`` after ``b = a`` in the
    previous iteration ignored the write into ``a`` ([3.6, 2.8, 12.4] for [1, 2.8, 12.4])."""
    assert_rejected_or_right(store_into_a_name_that_became_an_alias, [np.array([1.3, 0.7, 3.1])])


def store_into_rows(x):
    a = np.outer(x, x)
    for row in a:
        row[0] = 1.0           # each row is a view: this writes into a
    return np.sum(a)


def update_rows(x):
    a = np.outer(x, x)
    for row in a:
        row *= 2.0             # in place, through the view
    return np.sum(a)


def store_into_rows_of_an_argument(a):
    for row in a:
        row[0] = 1.0
    return np.sum(a * a)


@pytest.mark.parametrize("f, arg", [
    (store_into_rows, np.array([1.3, 0.7, 3.1])),
    (update_rows, np.array([1.3, 0.7, 3.1])),
    (store_into_rows_of_an_argument, np.array([[1.0, 2.0], [3.0, 4.0]])),
], ids=["store", "update", "argument"])
def test_writing_into_the_rows_of_an_array_in_a_for_loop(f, arg):
    """Found by probing. ``for row in a`` gives views of a; a write through ``row`` was
    differentiated as if it changed only ``row`` (and ``row *= 2.0`` even changed the value:
    26.0 instead of 52.0), and with ``a`` an argument the caller's array was changed."""
    assert_rejected_or_right(f, [arg])


def multiply_a_row_in_place(x, w):
    y = x * 1.0
    y[0] *= np.cos(w)
    return np.sum(y * y)


def multiply_a_row_of_an_argument(x, w):
    x[0] = x[0] * np.cos(w)
    return np.sum(x * x)


def multiply_a_slice_in_place(x, w):
    y = x * 1.0
    y[0:2] *= np.cos(w)
    return np.sum(y * y)


@pytest.mark.parametrize("f, x, w", [
    (multiply_a_row_in_place, np.array([[0.3, -0.5], [0.7, 0.2]]), np.array([0.4, -0.8])),
    (multiply_a_row_of_an_argument, np.array([[0.3, -0.5], [0.7, 0.2]]), np.array([0.4, -0.8])),
    (multiply_a_slice_in_place, np.array([0.3, -0.5, 0.7]), 0.6),
], ids=["row", "row-of-argument", "slice"])
def test_multiplying_a_row_in_place(f, x, w):
    """Found by the random programs. ``y[0] *= v`` reads ``y[0]``, a view, and the adjoint of
    ``v`` used that view after the store had overwritten it (the new row instead of the old)."""
    assert_right(f, [x, w], wrt=1)
    assert_right(f, [x, w], wrt=0)


def store_through_a_mask_of_the_same_array(x):
    y = np.sin(x)
    y[y > 0.5] = 0.2
    return np.sum(y * y)


def store_a_value_through_a_mask_of_the_same_array(x, w):
    y = x * 1.0
    y[y > 0.5] = np.sum(w)
    return np.sum(y * y)


def test_store_through_a_mask_of_the_same_array():
    """Found by the random programs. In ``y[y > 0.5] = v`` the mask was computed again after the
    store, from the new values: entries that no longer pass kept their derivative, and the
    derivative of ``v`` was lost (both modes)."""
    x = np.array([0.1, 0.9, -0.3])
    assert_right(store_through_a_mask_of_the_same_array, [x])
    assert_right(store_a_value_through_a_mask_of_the_same_array, [x, np.array([0.1, 0.1])], wrt=0)
    assert_right(store_a_value_through_a_mask_of_the_same_array, [x, np.array([0.1, 0.1])], wrt=1)


def flip_then_store(x):
    y = x * 1.0
    v = np.var(np.flip(y, axis=0))     # np.flip gives a view of y
    y[:, 0] += 1.0
    return v + np.sum(y * y)


def fliplr_then_store(x):
    y = x * 1.0
    v = np.sum(np.sin(np.fliplr(y)))
    y[0, 0] = 0.0
    return v + np.sum(y * y)


@pytest.mark.parametrize("f", [flip_then_store, fliplr_then_store], ids=["flip", "fliplr"])
def test_reading_a_flipped_view_before_a_store(f):
    """Found by the random programs (the 10,000-program run). np.flip, np.fliplr and np.flipud
    return views; the reverse sweep read the flipped view after the store had changed it
    (gradient [2.91, -1.59, 3.91, 0.16] for [2.66, -1.34, 3.66, 0.41]). np.transpose, .T,
    reshape, ravel, squeeze and slices are right."""
    assert_rejected_or_right(f, [np.array([[0.3, -0.5], [0.7, 0.2]])])


def full_of(x, s):
    return np.sum(np.full_like(x, s) * x)


def full_shape(s):
    return np.sum(np.full(3, s))


def linspace_to(s):
    return np.sum(np.linspace(0.0, s, 5))


def arange_from(s):
    return np.sum(np.arange(s, 4.0))


@pytest.mark.parametrize("f, args, wrt", [
    (full_of, [np.array([1.3, 0.2, 3.1]), 2.0], 1),
    (full_shape, [2.0], 0),
    (linspace_to, [2.0], 0),
    (arange_from, [0.5], 0),
], ids=["full_like", "full", "linspace", "arange"])
def test_value_argument_of_an_array_constructor(f, args, wrt):
    """Found by probing. np.full_like, np.full, np.linspace and np.arange are listed as having
    no derivative, but their fill value, start and stop flow into the result: the gradient
    with respect to them was 0 (4.4, 3.0, 2.5 and 4.0 expected)."""
    assert_rejected_or_right(f, args, wrt)


def step_with_a_differentiated_value_at_zero(x, s):
    return np.sum(np.heaviside(x, s))


def test_value_of_heaviside_at_zero():
    """Found by probing. np.heaviside(x, h0) is h0 where x == 0, so its derivative with respect
    to a differentiated h0 counts the zeros of x; it is listed as having no derivative, and the
    gradient was 0.0 (1.0 expected), like np.full_like's fill value before it was refused."""
    assert_rejected_or_right(step_with_a_differentiated_value_at_zero, [np.array([0.0, 1.0, -2.0]), 0.3], wrt=1)


def uses_eval(x):
    return eval("x * x")       # noqa: S307 - reads the differentiated local through a string


def test_eval_reading_a_differentiated_variable():
    """Found by probing. ``eval`` has no rule and its argument is a constant string, so its
    result was taken as a constant: the gradient of x * x was 0.0."""
    assert_rejected_or_right(uses_eval, [2.3])


def real_part_of_a_square(x):
    z = x + 1j
    return np.real(z * z)


def modulus_of_an_imaginary_value(x):
    return abs(x * 1j)


def modulus_of_a_complex_sum(x):
    return np.abs(x + 1j * x)


def squared_modulus(x):
    z = x * (1.0 + 1.0j)
    return np.real(z * np.conj(z))


@pytest.mark.parametrize("f, args, wrt", [
    (real_part_of_a_square, [2.3], 0),
    (modulus_of_an_imaginary_value, [2.3], 0),
    (modulus_of_a_complex_sum, [2.3], 0),
    (squared_modulus, [2.0], 0),
], ids=["real-square", "abs-imaginary", "abs-complex", "z-conj-z"])
def test_complex_intermediate_values(f, args, wrt):
    """Found by probing. Complex intermediates went through the real rules: d/dx Re((x+i)^2)
    came back as 4.6+2j, d/dx |x i| as -1, d/dx |x + x i| as 0, d/dx z conj(z) as 2x."""
    assert_rejected_or_right(f, args, wrt)


def counts_globals(x):
    return x * len(globals())


def test_globals_seen_by_the_derivative_are_the_functions_own():
    """Found by probing. The derivative runs in a namespace of its own, so ``globals()`` there
    is another dict: value_and_grad gave 82.0 where the function gives 78.0."""
    try:
        value, grad = tad.value_and_grad(counts_globals)(2.0)
    except tad.TransformError:
        return
    assert value == counts_globals(2.0)
    assert grad == len(globals())


def sum_through_an_alias(x, s):
    v = x
    if np.sum(x) < -10.0:
        return np.sum(v)
    return s * 2.0


def loop_that_does_not_run(x, s):
    v = np.squeeze(x) * x
    k = 0
    while k < 3 and s > 5.0:
        return v.sum()
    return 0.5 * s


def accumulator_on_a_branch_not_taken(x, s):
    acc = np.ones((3, 3))
    acc[0, 0] += np.sum(x)
    v = acc / (1.0 + np.square(x))
    if s > 10.0:
        return np.mean(v)
    return s * np.mean(np.sin(x))


def broadcast_product_on_a_branch_not_taken(x, s):
    y = x * np.array([[0.5, 0.6]])
    if s > 10.0:
        return np.mean(y)
    return 0.5 * s


def broadcast_product_beside_a_used_value(x, s):
    v = x * np.array([0.5, 0.6])
    if s > 10.0:
        return np.sum(v)
    return s * np.sum(x * x)


@pytest.mark.parametrize("f, x", [
    (sum_through_an_alias, np.array([1.0, 2.0, 3.0])),
    (loop_that_does_not_run, np.array([[0.3, -0.5]])),
    (accumulator_on_a_branch_not_taken, np.array([0.1, 0.2, 0.3])),
    (broadcast_product_on_a_branch_not_taken, np.ones((2, 2))),
    (broadcast_product_beside_a_used_value, np.array([[0.3], [-0.5]])),
], ids=["alias", "loop", "accumulator", "broadcast", "broadcast-and-used"])
def test_gradient_when_the_branch_using_a_value_is_not_taken(f, x):
    """Found by the random programs. When the branch (or loop) that uses a value does not run,
    the value's adjoint stays a zero placeholder, and the gradient of the array came back as
    the float 0.0 (alias), with the shape of another operand ((1, 2) for a (2, 2) argument:
    broadcast), or the adjoint of a broadcasting operation raised ValueError ('cannot reshape
    array of size 1 into shape (1,2)': loop, accumulator). Added to the argument's other
    adjoints, zeros of the wrong shape broadcast them: [[1.2, 1.2], [-2.0, -2.0]] for the
    (2, 1) argument whose gradient is [[1.2], [-2.0]] (broadcast-and-used)."""
    grad_x, grad_s = tad.grad(f, wrt=(0, 1))(x, 2.0)
    assert isinstance(grad_x, np.ndarray) and grad_x.shape == x.shape, repr(grad_x)
    assert_right(f, [x, 2.0], wrt=0)
    assert_right(f, [x, 2.0], wrt=1)


# ------------------------------------------------------------ crashes and false rejections

def pair(p):
    return 2.0 * p, 3.0 * p


def unpack_in_a_loop_without_using_it(x):
    for i in range(2):
        a, b = pair(x)
    return x * x


def unpack_in_a_loop_using_one(x):
    s = 0.0
    for i in range(2):
        a, b = pair(x)
        s = s + a
    return s


def test_unpacking_a_helper_result_in_a_loop_without_using_it():
    """Found by the random programs. InternalError in both modes (reverse: an empty ``for``
    body in the generated code; forward: 'NoneType' object has no attribute 'kind')."""
    assert_right(unpack_in_a_loop_without_using_it, [1.5])
    assert_right(unpack_in_a_loop_using_one, [1.5])


def store_into_one_result(x):
    a, b = pair(x)
    b[0] = 1.0
    return np.sum(a * b)


def update_one_result(x):
    a, b = pair(x)
    a += 1.0
    return np.sum(a * b)


@pytest.mark.parametrize("f", [store_into_one_result, update_one_result], ids=["store", "update"])
def test_store_into_one_result_of_a_helper_returning_two(f):
    """Found by the random programs. ``pair`` returns two new arrays, but a store into one of
    them was rejected: 'b may be the same array as a'."""
    assert_right(f, [np.array([0.5, 1.0])])


def unpack_constants_then_reassign(x):
    a, b = pair(2.0)           # nothing differentiated here
    a = x - b                  # a is now differentiated, computed from b
    return a * x


def test_reassigning_a_result_of_a_helper_called_on_constants():
    """Found by the random programs. InternalError in both modes: 'IndentationError: unexpected
    indent' in the generated code."""
    assert_right(unpack_constants_then_reassign, [0.5])


def norm_then_store(x):
    y = x * 2.0
    s = np.linalg.norm(y)
    y[0] = s
    return np.sum(y * y)


def trace_then_store(a):
    b = a * 2.0
    t = np.trace(b)
    b[0, 0] = t
    return np.sum(b * b)


def roll_then_store(x):
    y = np.roll(x, 1)
    y[0] = 1.0
    return np.sum(y * x)


def log_then_update(s):
    t = math.log(s)
    s += 1.0
    return s * t


@pytest.mark.parametrize("f, arg", [
    (norm_then_store, np.array([1.0, 2.0])),
    (trace_then_store, np.array([[1.5, 0.5], [0.5, 1.5]])),
    (roll_then_store, np.array([1.0, 2.0, 3.0])),
    (log_then_update, 2.0),
], ids=["norm", "trace", "roll", "math.log"])
def test_store_after_a_reduction_of_the_same_array(f, arg):
    """Found by the random programs. The result of np.linalg.norm, np.trace, np.roll or
    math.log was taken to share memory with the argument, so a store into either was rejected
    ('y may be the same array as s'); reductions and these functions make new values."""
    assert_right(f, [arg])


def branch_returns_early(x, w):
    if x < -0.12:
        x = x + w
    else:
        return x ** 2
    return w


def test_vjp_of_a_parameter_reassigned_in_one_branch():
    """Found by the random programs. tad.vjp raised UnboundLocalError ('x' in the backward
    function) when ``x`` is reassigned on one branch and the other returns early; grad,
    value_and_grad and jvp were right."""
    for x in (0.5, -0.5):
        out, f_vjp = tad.vjp(branch_returns_early, x, 1.0)
        assert out == branch_returns_early(x, 1.0)
        x_bar, w_bar = f_vjp(1.0)
        assert x_bar == pytest.approx(reference_grad(branch_returns_early, [x, 1.0], 0))
        assert w_bar == pytest.approx(reference_grad(branch_returns_early, [x, 1.0], 1))


def double_in_place(p):
    p *= 2.0                   # changes the caller's array, as NumPy does
    return np.tanh(p)


def call_a_helper_that_updates_a_temporary(x):
    return np.sum(double_in_place(x * 1.0))


def call_a_helper_that_updates_a_local(x):
    y = x * 1.0
    z = double_in_place(y)     # y is doubled too
    return np.sum(z * y)


@pytest.mark.parametrize("f", [call_a_helper_that_updates_a_temporary, call_a_helper_that_updates_a_local],
                         ids=["temporary", "local"])
def test_helper_that_updates_its_argument_in_place(f):
    """Found by the random programs. The forward sweep calls the helper itself, which doubles
    the array it is given; the reverse sweep then differentiated the helper at the doubled
    array (gradient [0.61, 1.12] for [1.42, 1.71]), and forward mode did not see the caller's
    array change (value 0.237 where the function gives 0.474)."""
    assert_rejected_or_right(f, [np.array([0.3, -0.2])])


def store_into_an_unused_argument(x, w):
    w[0] = 5.0
    return np.sum(x * x)


def update_an_unused_argument(x, w):
    w *= 2.0
    return np.sum(x * x)


def store_into_an_argument_held_constant(x, w):
    w[0] = 5.0
    return np.sum(x * w)


@pytest.mark.parametrize("f", [store_into_an_unused_argument, update_an_unused_argument,
                               store_into_an_argument_held_constant], ids=["store", "update", "constant"])
def test_store_into_an_argument_the_result_does_not_use(f):
    """Found by the random programs. A store into an argument works on a copy only when the
    argument is differentiated; otherwise grad, value_and_grad and jvp changed the caller's
    array (docs/supported.md: 'the caller's array is never changed by a derivative')."""
    x = np.array([0.3, -0.5, 0.7])
    calls = {
        "grad": lambda w: tad.grad(f)(x, w),
        "value_and_grad": lambda w: tad.value_and_grad(f)(x, w),
        "jvp": lambda w: tad.jvp(f, (x, w), (np.ones(3), None)),
        "vjp": lambda w: tad.vjp(f, x, w)[1](1.0),
        "derivative": lambda w: tad.derivative(f, "forward")(x, w, np.ones(3)),
    }
    for name, call in calls.items():
        w = np.array([1.0, 2.0, 3.0])
        call(w)
        np.testing.assert_array_equal(w, [1.0, 2.0, 3.0], err_msg=f"{name} changed the caller's array")


def _scaled_pair(x):
    return x * 2.0, np.sum(x)


def unpacked_value_kept(x, c):
    a, b = _scaled_pair(x)
    y = a * c
    return np.sum(y)


def unpacked_value_reassigned(x, c):
    a, b = _scaled_pair(x)
    if np.sum(x) > 0.0:
        a = np.sin(c)
    y = a * c
    return np.sum(y)


@pytest.mark.parametrize("f", [unpacked_value_kept, unpacked_value_reassigned])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_value_from_a_helper_then_reassigned_keeps_its_own_shape(f, sign):
    # the shape analysis once took a's shape from `a = np.sin(c)` alone (a scalar) and left
    # out the reduction of c's adjoint, giving c a gradient of x's shape
    x, c = sign * np.arange(1.0, 4.0), 0.5
    for wrt in (0, 1):
        assert_right(f, [x, c], wrt)
    assert np.shape(tad.grad(f, wrt="c")(x, c)) == ()


def scaled_by_a_dot_product(x0, x1, x2):
    for row in x1:
        x0 /= 1.0 + np.square(x2 @ x0)
    return np.sum(x0)


def test_loop_summing_the_adjoints_of_a_dot_product_of_vectors():
    """Found by the random programs. The adjoints of x2 @ x0 in a loop, collected for one
    product after the loop, were dropped: the scalar adjoint of a product of two vectors was
    taken for the zero placeholder, and x2's gradient came out zero."""
    args = [np.array([0.3, -0.2]), np.array([0.5, 0.1]), np.array([0.7, 0.4])]
    for wrt in (0, 2):
        assert_right(scaled_by_a_dot_product, args, wrt)
