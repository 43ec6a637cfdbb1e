"""A loop that reads rows of a local computed once before it (``inputs = xs @ U.T``, then
``inputs[t]`` in the loop) adds each row's adjoint into one array, made before the loop.

Before, the adjoint started as the number 0.0 and every iteration made a new array of the
local's full shape (``inputs_bar = inputs_bar + index_adjoint(g, inputs, t)``): time and
memory growing with the square of the number of steps. A local assigned more than once, or
inside a branch or loop, keeps that form: zeros of its shape would not be its shape on
every path.
"""
import numpy as np
import pytest

import tangent_ad as tad
from tangent_ad.checks import numerical_grad


def rnn_hoisted(W, U, xs, h0):
    inputs = xs @ U.T
    h = h0
    t = 0
    while t < xs.shape[0]:
        h = np.tanh(W @ h + inputs[t])
        t = t + 1
    return np.sum(h * h)


def rows_summed(A, v):
    B = A * 2.0
    s = 0.0
    for i in range(B.shape[0]):
        s = s + np.sum(np.sin(B[i]) * v)
    return s


def reassigned(A, v):
    B = A * 2.0
    B = B + 1.0
    s = 0.0
    for i in range(B.shape[0]):
        s = s + np.sum(np.sin(B[i]) * v)
    return s


def assigned_in_a_branch(A, v, flag):
    if flag:
        B = A * 2.0
    else:
        B = A * 3.0
    s = 0.0
    for i in range(B.shape[0]):
        s = s + np.sum(B[i] * B[i] * v)
    return s


def inputs():
    rng = np.random.default_rng(3)
    W = rng.standard_normal((4, 4)) * 0.4
    U = rng.standard_normal((4, 3)) * 0.5
    xs = rng.standard_normal((6, 3))
    return W, U, xs, np.zeros(4)


def test_the_hoisted_rnn_adds_each_rows_adjoint_into_one_array():
    source = tad.source(rnn_hoisted, wrt=(0, 1))
    assert "inputs_bar = zeros_like(inputs)" in source
    assert "index_accumulate(inputs_bar, t3_bar, t)" in source
    assert "index_adjoint" not in source and "inputs_bar = 0.0" not in source


@pytest.mark.parametrize("wrt", [0, 1, (0, 1)])
def test_the_hoisted_rnn_gradient_against_central_differences(wrt):
    args = inputs()
    got = tad.grad(rnn_hoisted, wrt=wrt)(*args)
    for k, g in zip((wrt,) if isinstance(wrt, int) else wrt, got if isinstance(wrt, tuple) else (got,)):
        np.testing.assert_allclose(g, numerical_grad(rnn_hoisted, *args, wrt=k), rtol=1e-6, atol=1e-8)


def test_rows_of_a_local_in_both_modes_and_second_order():
    rng = np.random.default_rng(4)
    A, v = rng.standard_normal((5, 3)), rng.standard_normal(3)
    exact = 2.0 * np.cos(2.0 * A) * v                  # d/dA of sum_i sum_j sin(2 A_ij) v_j
    np.testing.assert_allclose(tad.grad(rows_summed)(A, v), exact, rtol=1e-12)
    assert "index_accumulate(B_bar" in tad.source(rows_summed)
    direction = rng.standard_normal((5, 3))
    _, along = tad.jvp(rows_summed, (A, v), (direction, np.zeros(3)))
    assert along == pytest.approx(np.sum(exact * direction), rel=1e-12)
    hessian_diagonal = -4.0 * np.sin(2.0 * A) * v       # the Hessian is diagonal in A
    hvp_A = tad.hvp(rows_summed)(A, v, np.ones((5, 3)))
    np.testing.assert_allclose(hvp_A, hessian_diagonal, rtol=1e-10)


@pytest.mark.parametrize("f, scale", [(reassigned, 2.0), (assigned_in_a_branch, None)])
def test_a_local_assigned_more_than_once_keeps_the_general_form_and_is_right(f, scale):
    rng = np.random.default_rng(5)
    A, v = rng.standard_normal((4, 3)), rng.standard_normal(3)
    args = (A, v) if scale is not None else (A, v, True)
    np.testing.assert_allclose(tad.grad(f)(*args), numerical_grad(f, *args, wrt=0), rtol=1e-6, atol=1e-8)
    assert "B_bar = zeros_like(B)" not in tad.source(f)
    if scale is None:
        args = (A, v, False)
        np.testing.assert_allclose(tad.grad(f)(*args), numerical_grad(f, *args, wrt=0), rtol=1e-6, atol=1e-8)
