"""What the generated code does to run fast, each checked for the right answer too.

The speed itself is measured in ``benchmarks/`` (docs/performance.md); these tests pin the
properties the speed rests on, so that a later change cannot lose them silently.
"""
import math

import numpy as np
import pytest

import tangent_ad as tad
from tangent_ad.pipeline.cache import derivative_function
from conftest import numeric_grad


def scalar_map(x):
    y = 0.0
    for _ in range(5):
        y = y + math.sin(x) * math.cosh(x) - 0.1 * math.cos(y) + math.sinh(0.5 * x)
    return y


@pytest.mark.parametrize("x", [0.3, -1.2])
def test_math_functions_keep_python_floats_in_both_modes(x):
    # math.* partials are written with math.*, so a float stays a float (np.float64 is slower)
    grad = tad.grad(scalar_map)(x)
    value, tangent = tad.jvp(scalar_map, (x,), (1.0,))
    assert type(grad) is float and type(tangent) is float and type(value) is float
    expected = numeric_grad(scalar_map, [x], 0)
    assert grad == pytest.approx(expected, rel=1e-7)
    assert tangent == pytest.approx(expected, rel=1e-7)
    assert "math.cos(x)" in tad.source(scalar_map) and "np." not in tad.source(scalar_map)


def test_math_partials_have_exact_values():
    def f(x):
        return math.sin(x) + math.cos(x) + math.sinh(x) + math.cosh(x)
    x = 0.7
    exact = math.cos(x) - math.sin(x) + math.cosh(x) + math.sinh(x)
    assert tad.grad(f)(x) == pytest.approx(exact, rel=1e-15)
    assert tad.jvp(f, (x,), (1.0,))[1] == pytest.approx(exact, rel=1e-15)


def sin_of_squares(x):
    return np.sum(np.sin(x ** 2))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_grad_leaves_out_what_only_the_value_needs(dtype):
    x = np.linspace(-1.0, 1.0, 7).astype(dtype)
    source = tad.source(sin_of_squares)
    # sin(x ** 2) and its sum feed only the value; the reverse sweep reads cos(x ** 2) and a shape
    assert "# not needed for the gradient: t2 = np.sin(t1)" in source
    assert "y_bar = scalar_seed(y_bar)" in source and "t2_bar = y_bar" in source
    grad = tad.grad(sin_of_squares)(x)
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad, 2 * x * np.cos(x ** 2), rtol=1e-6 if dtype == np.float32 else 1e-14)
    value, grad_too = tad.value_and_grad(sin_of_squares)(x)
    # the value is computed where it is returned
    assert value == pytest.approx(np.sum(np.sin(x.astype(np.float64) ** 2)), rel=1e-6)
    np.testing.assert_array_equal(grad_too, grad)


def test_value_and_grad_and_vjp_compute_the_value():
    source = derivative_function(sin_of_squares, "reverse", ("x",), return_value=True).source
    assert "not needed" not in source and "t2 = np.sin(t1)" in source
    x = np.array([0.3, -0.7])
    out, vjp_fn = tad.vjp(sin_of_squares, x)
    assert out == pytest.approx(np.sum(np.sin(x ** 2)))
    np.testing.assert_allclose(vjp_fn(2.0)[0], 4 * x * np.cos(x ** 2), rtol=1e-14)


def test_a_scalar_output_still_rejects_an_array_seed():
    grad_fn = tad.derivative(sin_of_squares)
    with pytest.raises(ValueError, match="output is a scalar"):
        grad_fn(np.ones(3), np.ones(3))


def branch_with_nothing_needed(x, flag):
    y = np.sum(x)
    if flag > 0:
        unused = np.exp(x)
        y = y + np.sum(x * x)
    return y


def test_a_branch_whose_statements_are_all_left_out_still_runs():
    x = np.array([0.5, 2.0])
    for flag in (1, -1):
        expected = 1.0 + (2 * x if flag > 0 else 0.0)
        np.testing.assert_allclose(tad.grad(branch_with_nothing_needed)(x, flag), expected, rtol=1e-14)
        np.testing.assert_allclose(numeric_grad(branch_with_nothing_needed, [x, flag], 0), expected, rtol=1e-6)


# ------------------------------------------------ products summed after a loop
from strict_array import StrictArray, strict, unwrap  # noqa: E402
from tangent_ad.runtime import (matmul_adjoint_left, matmul_adjoint_left_sum,  # noqa: E402
                                matmul_adjoint_right, matmul_adjoint_right_sum)

RNG = np.random.default_rng(7)


def _terms(g_shape, other_shape, count=4):
    return [(RNG.standard_normal(g_shape), RNG.standard_normal(other_shape)) for _ in range(count)]


@pytest.mark.parametrize("a_shape,g_shape,b_shape", [
    ((5, 3), (5,), (3,)),            # W @ h: outer products
    ((5, 3), (5, 2), (3, 2)),        # W @ H
    ((5, 3), "placeholder", (3,)),   # a zero placeholder among the terms
    ((2, 5, 3), (2, 5), (3,)),       # a stack: summed term by term
    ((3,), (), (3,)),                # x2 @ x0 of two vectors: a scalar adjoint, not a placeholder
])
@pytest.mark.parametrize("library", ["numpy", "strict"])
def test_matmul_adjoint_left_sum_is_the_sum_of_its_terms(a_shape, g_shape, b_shape, library):
    a = np.zeros(a_shape)
    terms = _terms(a_shape[:1] if g_shape == "placeholder" else g_shape, b_shape)
    if g_shape == "placeholder":
        terms[1] = (0.0, terms[1][1])
    expected = sum(matmul_adjoint_left(g, a, b) for g, b in terms)
    if library == "strict":
        a = strict(a)
        terms = [(g if isinstance(g, float) else strict(np.asarray(g)), strict(b)) for g, b in terms]
    total = matmul_adjoint_left_sum(terms, a)
    if library == "strict":
        assert isinstance(total, StrictArray)
        total = unwrap(total)
    np.testing.assert_allclose(total, expected, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("b_shape,g_shape,a_shape", [
    ((3, 5), (5,), (3,)),            # h @ W
    ((3, 5), (2, 5), (2, 3)),        # H @ W
    ((3, 5), (5,), (4, 3)),          # shapes that differ between terms: summed term by term
])
@pytest.mark.parametrize("library", ["numpy", "strict"])
def test_matmul_adjoint_right_sum_is_the_sum_of_its_terms(b_shape, g_shape, a_shape, library):
    b = np.zeros(b_shape)
    terms = _terms(g_shape, a_shape)
    if a_shape == (4, 3):
        terms[0] = (RNG.standard_normal((4, 5)), terms[0][1])
        terms[1:] = [(g, a[0]) for g, a in terms[1:]]
    expected = sum(matmul_adjoint_right(g, a, b) for g, a in terms)
    if library == "strict":
        b = strict(b)
        terms = [(strict(g), strict(a)) for g, a in terms]
    total = matmul_adjoint_right_sum(terms, b)
    if library == "strict":
        total = unwrap(total)
    np.testing.assert_allclose(total, expected, rtol=1e-13, atol=1e-14)


def rnn_both_sides(W, V, xs, h):
    t = 0
    while t < xs.shape[0]:
        h = np.tanh(W @ h + xs[t] @ V)       # W on the left, V on the right
        t = t + 1
    return np.sum(h * h)


def batch_rnn(W, H, steps):
    for _ in range(steps):
        H = np.tanh(H @ W) + 0.5 * H         # matrices: H @ W
    return np.sum(H)


def same_weights_both_sides(W, h, steps):
    for _ in range(steps):
        h = np.sin(W @ h) + h @ W            # W on both sides: added as they come
    return np.sum(h)


@pytest.mark.parametrize("case", ["both_sides", "batch", "same_weights"])
def test_loops_summing_matmul_adjoints_after_the_loop_match_central_differences(case):
    rng = np.random.default_rng(3)
    if case == "both_sides":
        f, args, wrts = rnn_both_sides, [rng.standard_normal((4, 4)) * 0.5, rng.standard_normal((3, 4)) * 0.5,
                                         rng.standard_normal((5, 3)), rng.standard_normal(4)], (0, 1)
    elif case == "batch":
        f, args, wrts = batch_rnn, [rng.standard_normal((3, 3)) * 0.5, rng.standard_normal((2, 3)), 4], (0,)
    else:
        f, args, wrts = same_weights_both_sides, [rng.standard_normal((3, 3)) * 0.3,
                                                  rng.standard_normal(3), 3], (0,)
    source = tad.source(f, wrt=wrts)
    if case != "same_weights":
        assert "_sum(" in source and "_terms.append((" in source
    for wrt in wrts:
        reference = numeric_grad(f, list(args), wrt)
        np.testing.assert_allclose(tad.grad(f, wrt=wrt)(*args), reference, rtol=1e-6, atol=1e-9)
        # forward mode over the gradient's code reads the plain code (no lists of terms)
        direction = rng.standard_normal(np.shape(args[wrt]))
        eps = 1e-6
        plus, minus = list(args), list(args)
        plus[wrt], minus[wrt] = args[wrt] + eps * direction, args[wrt] - eps * direction
        expected = (tad.grad(f, wrt=wrt)(*plus) - tad.grad(f, wrt=wrt)(*minus)) / (2 * eps)
        np.testing.assert_allclose(tad.hvp(f, wrt=wrt)(*args, direction), expected, rtol=1e-5, atol=1e-7)


# ------------------------------------------ adjoints updated in place on their last use
def log_loss(w, X, y):
    return np.mean(np.log(1.0 + np.exp(-y * (X @ w))))


def shared_adjoint(a, b):
    t = a + b                      # a_bar and b_bar may both be t_bar's very array
    u = np.sin(t) * a
    return np.sum(u * u) + np.sum(t * b)


def two_branches_one_array(x):
    a = np.sin(x)
    b = np.exp(x)
    t = a + b                      # a_bar and b_bar are both t_bar's array: neither may change it
    return np.sum(t * t)


def broadcast_operand(a, b):
    return np.sum(np.exp(a * b) / b)     # b of shape (3,), a of shape (4, 3)


def _check_against_central_differences(f, args):
    for wrt in range(len(args)):
        expected = numeric_grad(f, list(args), wrt)
        np.testing.assert_allclose(tad.grad(f, wrt=wrt)(*args), expected, rtol=1e-6, atol=1e-9)
        value, tangent = tad.jvp(f, tuple(args), tuple(
            np.ones_like(a) if i == wrt else np.zeros_like(a) for i, a in enumerate(args)))
        np.testing.assert_allclose(tangent, np.sum(expected), rtol=1e-6, atol=1e-9)


def test_an_adjoint_read_for_the_last_time_is_updated_in_place():
    rng = np.random.default_rng(5)
    w, X = rng.standard_normal(3), rng.standard_normal((6, 3))
    y = np.where(rng.standard_normal(6) > 0, 1.0, -1.0)
    source = tad.source(log_loss)
    assert "t6_bar = out_bar / size_of(t3)" in source
    assert "t5_bar = np.divide(t6_bar, t5, out=reusable(t5))" in source     # t5 is not read again
    assert "t4_bar *= t4" in source and "t3_bar *= t1" in source
    _check_against_central_differences(log_loss, [w, X, y])


@pytest.mark.parametrize("f,shapes", [(shared_adjoint, [(4, 3), (4, 3)]),
                                      (two_branches_one_array, [(5,)]),
                                      (broadcast_operand, [(4, 3), (3,)])])
def test_adjoints_sharing_an_array_are_never_updated_in_place(f, shapes):
    rng = np.random.default_rng(6)
    args = [rng.uniform(0.5, 1.5, s) for s in shapes]
    _check_against_central_differences(f, args)


def test_the_caller_s_seed_and_arguments_are_never_updated_in_place():
    rng = np.random.default_rng(8)
    w, X, y = rng.standard_normal(3), rng.standard_normal((5, 3)), np.ones(5)
    seed = np.array(2.0)
    before = [w.copy(), X.copy(), y.copy(), seed.copy()]
    grad = tad.derivative(log_loss)(w, X, y, seed)
    out, vjp_fn = tad.vjp(log_loss, w, X, y)
    again = vjp_fn(seed)[0]
    for array, copy in zip([w, X, y, seed], before):
        np.testing.assert_array_equal(array, copy)
    np.testing.assert_allclose(again, grad, rtol=1e-15)
    np.testing.assert_allclose(vjp_fn(seed)[0], grad, rtol=1e-15)    # the saved values are intact


def test_in_place_code_is_differentiated_again_through_its_plain_twin():
    rng = np.random.default_rng(9)
    w, X, y = rng.standard_normal(3), rng.standard_normal((5, 3)), np.sign(rng.standard_normal(5))
    assert "*=" in tad.source(log_loss)
    v = rng.standard_normal(3)
    eps = 1e-6
    expected = (tad.grad(log_loss)(w + eps * v, X, y) - tad.grad(log_loss)(w - eps * v, X, y)) / (2 * eps)
    np.testing.assert_allclose(tad.hvp(log_loss)(w, X, y, v), expected, rtol=1e-6, atol=1e-9)
    plain = tad.source(tad.grad(log_loss).derivative, "forward")
    assert "/=" not in plain and "*=" not in plain


def neighbours(x, steps):
    wall = np.zeros(1)
    for _ in range(steps):
        left = np.concatenate((wall, x[:-1]))
        right = np.concatenate((x[1:], wall))
        x = x + 0.1 * (left - 2.0 * x + right) * np.cos(x)
    return np.sum(x * x)


def test_slice_reads_add_into_the_adjoint_s_own_array():
    x = np.linspace(-1.0, 1.0, 6)
    source = tad.source(neighbours)
    assert "index_accumulate(x_bar, t" in source     # the second slice read adds in place
    expected = numeric_grad(neighbours, [x, 3], 0)
    np.testing.assert_allclose(tad.grad(neighbours)(x, 3), expected, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(tad.derivative(neighbours, optimize=False)(x, 3), expected, rtol=1e-6, atol=1e-9)


def test_checkpointed_loops_sum_matmul_adjoints_once_per_stretch():
    rng = np.random.default_rng(4)
    W, h = rng.standard_normal((4, 4)) * 0.4, rng.standard_normal(4)
    source = tad.source(batch_rnn_vector, wrt=0, checkpoint=True)
    assert "W_bar_terms = []" in source and "snapshots.pop()" in source
    plain = tad.grad(batch_rnn_vector, wrt=0)(W, h, 30)
    saved = tad.grad(batch_rnn_vector, wrt=0, checkpoint=True)(W, h, 30)
    np.testing.assert_allclose(saved, plain, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(plain, numeric_grad(batch_rnn_vector, [W, h, 30], 0), rtol=1e-6, atol=1e-9)


def batch_rnn_vector(W, h, steps):
    for _ in range(steps):
        h = np.tanh(W @ h) + 0.5 * h
    return np.sum(h * h)


SCALE = 2.0


def scaled_square(x):
    return SCALE * x * x


def test_tad_grad_of_the_same_function_is_built_once_and_follows_its_globals():
    global SCALE
    assert tad.grad(scaled_square) is tad.grad(scaled_square)
    assert tad.grad(scaled_square, wrt=0) is not tad.value_and_grad(scaled_square, wrt=0)
    assert tad.grad(scaled_square)(3.0) == 12.0
    SCALE = 5.0          # a notebook redefining a constant: the gradient is generated again
    try:
        assert tad.grad(scaled_square)(3.0) == 30.0
        assert tad.grad(scaled_square).derivative(3.0) == 30.0
    finally:
        SCALE = 2.0



def sum_read_twice(x):
    t = np.sin(x)
    return np.sum(t) + np.sum(t * t)


def sum_of_a_broadcast(x, b):
    return np.sum(x * b)                  # the partial b is smaller than x * b


def test_the_adjoint_of_a_sum_stays_a_number_only_where_its_reader_spreads_it():
    x, b = np.linspace(-1.0, 1.0, 6).reshape(2, 3), np.array([0.5, 1.0, 2.0])
    assert "t2_bar = y_bar" in tad.source(sin_of_squares)
    assert "the same number for every element of t\n" not in tad.source(sum_read_twice)
    assert "the same number" not in tad.source(sum_of_a_broadcast, wrt=0)
    for f, args in [(sum_read_twice, [x]), (sum_of_a_broadcast, [x, b])]:
        for wrt in range(len(args)):
            expected = numeric_grad(f, list(args), wrt)
            np.testing.assert_allclose(tad.grad(f, wrt=wrt)(*args), expected, rtol=1e-6, atol=1e-9)
    # a seed that is a 0-d array (a CuPy scalar, a caller's array) is read, never changed
    seed = np.array(3.0)
    np.testing.assert_allclose(tad.derivative(sin_of_squares)(x, seed), 3.0 * 2 * x * np.cos(x ** 2),
                               rtol=1e-14)
    assert seed == 3.0


def sum_and_its_operand(x):
    t = np.sin(x)
    s = np.sum(t)
    return s, t


def test_a_summed_value_that_is_also_an_output_keeps_its_own_seed():
    x = np.linspace(0.1, 1.0, 4)
    out, vjp_fn = tad.vjp(sum_and_its_operand, x)
    s_bar, t_bar = 2.0, np.arange(4.0)
    np.testing.assert_allclose(vjp_fn((s_bar, t_bar))[0], np.cos(x) * (s_bar + t_bar), rtol=1e-14)


def test_unbroadcast_on_every_pair_of_small_shapes():
    """Its fast loop against the plain definition: sum over the broadcast axes; an adjoint
    smaller than x (grown from the zero placeholder) gives zeros of x's shape."""
    import itertools
    from tangent_ad.runtime import unbroadcast
    shapes = [s for n in range(4) for s in itertools.product([1, 2, 3], repeat=n)]
    rng = np.random.default_rng(0)
    checked = 0
    for g_shape, x_shape in itertools.product(shapes, shapes):
        try:
            result_shape = np.broadcast_shapes(g_shape, x_shape)
        except ValueError:
            continue
        g, x = rng.standard_normal(g_shape), np.zeros(x_shape)
        if g_shape == x_shape or g_shape == ():
            expected = g
        elif result_shape != g_shape:
            expected = np.zeros(x_shape)
        else:
            extra = len(g_shape) - len(x_shape)
            expected = np.sum(g, axis=tuple(range(extra))) if extra else g
            ones = tuple(i for i, n in enumerate(x_shape) if n == 1 and expected.shape[i] != 1)
            expected = np.sum(expected, axis=ones, keepdims=True)
        got = unbroadcast(g, x)
        assert np.shape(got) == np.shape(expected), (g_shape, x_shape)
        np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-15)
        checked += 1
    assert checked == 940
