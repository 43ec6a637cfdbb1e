"""Derivatives of derivatives: grad of grad, hvp, hessian, jacfwd and jacrev, through control flow.

Each is checked against central differences of the (already checked) first
derivative, and the pieces against each other: hvp against hessian @ v, jacfwd
against jacrev, the Hessian's symmetry. Every rule in the table is also run
through a Hessian: the answer is right, or a TransformError says which rule has
no second derivative yet, never a wrong number.
"""
import numpy as np
import pytest

import tangent_ad as tad
from conftest import central_difference
from tangent_ad.rules import catalog

RNG = np.random.default_rng(11)


def numerical_jacobian(g, args, i, h=1e-3):
    """d g(args) / d args[i] by central differences: shape g.shape + args[i].shape."""
    x = args[i]

    def at(value):
        moved = list(args)
        moved[i] = value
        return np.asarray(g(*moved), dtype=float)

    if not hasattr(x, "shape"):
        return central_difference(lambda t: at(x + t), h)
    out_shape = np.shape(at(x))
    jac = np.zeros(out_shape + x.shape)
    for index in np.ndindex(*x.shape):
        e = np.zeros(x.shape)
        e[index] = 1.0
        jac[(Ellipsis,) + index] = central_difference(lambda t: at(x + t * e), h)
    return jac


# -------------------------------------------------------- scalar functions
def poly(x1, x2):
    return (x1 + x2) * (x1 - x2)


def wave(x):
    return x * x * np.sin(x)


def iterate(x):
    y = x
    i = 0
    while i < 4:
        if y > 0.5:
            y = np.sin(y) * x
        else:
            y = y * y + x
        i += 1
    return y


def test_grad_of_grad_of_the_chapter_example():
    assert tad.grad(tad.grad(poly))(3.0, 2.0) == 2.0
    assert tad.grad(tad.grad(poly), wrt=1)(3.0, 2.0) == 0.0         # d/dx2 (2 x1)
    assert tad.grad(tad.grad(poly, wrt=1), wrt=1)(3.0, 2.0) == -2.0
    assert isinstance(tad.grad(tad.grad(poly))(3.0, 2.0), float)


@pytest.mark.parametrize("f, x", [(wave, 1.5), (iterate, 0.9), (iterate, 0.3)])
def test_second_and_third_derivatives_of_scalar_functions(f, x):
    first = tad.grad(f)
    second = tad.grad(first)
    third = tad.grad(second)
    # a small step: the loop's branch may flip a little way from x
    np.testing.assert_allclose(second(x), central_difference(lambda t: first(x + t), 1e-5), rtol=1e-7)
    np.testing.assert_allclose(third(x), central_difference(lambda t: second(x + t), 1e-5), rtol=1e-6)
    if f is wave:
        exact = 2 * np.sin(x) + 4 * x * np.cos(x) - x * x * np.sin(x)
        np.testing.assert_allclose(second(x), exact, rtol=1e-12)


def test_the_second_derivative_source_reads_like_forward_mode_over_the_gradient():
    text = tad.source(tad.grad(iterate).derivative, "forward")
    assert "def iterate_grad_jvp(x, y_bar=1.0, x_dot=1.0):" in text
    assert "tape.append(y_dot)" in text and "y_dot = tape.pop()" in text


def test_reverse_mode_over_reverse_mode_code_is_a_clear_error():
    with pytest.raises(tad.TransformError, match="forward mode"):
        tad.derivative(tad.grad(iterate).derivative, "reverse")


# ----------------------------------------------------------- array functions
def energy(x, A):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + np.tanh(x[i]) * x[i]
    if np.sum(x) > -10.0:
        s = s + 0.5 * x @ A @ x
    return s + np.sum(np.exp(-x * x)) + np.max(x * x)


def softmax_loss(W, X, Y):
    logits = X @ W
    logits = logits - np.max(logits, axis=1, keepdims=True)
    e = np.exp(logits)
    p = e / np.sum(e, axis=1, keepdims=True)
    return -np.sum(Y * np.log(p))


def rollout(x, W):
    h = x
    t = 0
    while t < 5:
        h = np.tanh(W @ h) + 0.1 * h
        t += 1
    return np.sum(h * h)


def _energy_args():
    A = RNG.normal(size=(4, 4))
    return [RNG.normal(size=4), A + A.T]


def _softmax_args():
    X = RNG.normal(size=(5, 3))
    return [RNG.normal(size=(3, 2)), X, np.eye(2)[RNG.integers(0, 2, 5)]]


def _rollout_args():
    return [RNG.normal(size=3), RNG.normal(size=(3, 3)) * 0.5]


HESSIAN_CASES = [(energy, _energy_args), (softmax_loss, _softmax_args), (rollout, _rollout_args)]


@pytest.mark.parametrize("f, make_args", HESSIAN_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_hessian_matches_central_differences_of_the_gradient(f, make_args):
    args = make_args()
    H = tad.hessian(f)(*args)
    x = args[0]
    assert H.shape == x.shape + x.shape
    expected = numerical_jacobian(tad.grad(f), args, 0)
    np.testing.assert_allclose(H, expected, rtol=1e-6, atol=1e-8)
    flat = H.reshape(x.size, x.size)
    np.testing.assert_allclose(flat, flat.T, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f, make_args", HESSIAN_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_hvp_matches_hessian_times_v(f, make_args):
    args = make_args()
    x = args[0]
    v = RNG.normal(size=x.shape)
    H = tad.hessian(f)(*args).reshape(x.size, x.size)
    got = tad.hvp(f)(*args, v)
    assert got.shape == x.shape
    np.testing.assert_allclose(got.reshape(-1), H @ v.reshape(-1), rtol=1e-10, atol=1e-12)


def test_mixed_hessian_blocks():
    args = _rollout_args()
    H = tad.hessian(rollout, wrt=(0, 1))(*args)
    x, W = args
    assert H[0][0].shape == x.shape + x.shape and H[0][1].shape == x.shape + W.shape
    assert H[1][0].shape == W.shape + x.shape and H[1][1].shape == W.shape + W.shape
    np.testing.assert_allclose(H[0][1], numerical_jacobian(tad.grad(rollout, wrt=0), args, 1),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(H[1][0].reshape(W.size, x.size), H[0][1].reshape(x.size, W.size).T,
                               rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------ Jacobians
def trajectory(x, k):
    out = x * 0.0
    y = x
    for i in range(3):
        y = y + 0.1 * np.sin(k * y)
        out = out + y * (i + 1.0)
    return out[:2] * np.sum(y)


@pytest.mark.parametrize("jacobian", [tad.jacfwd, tad.jacrev])
def test_jacobians_match_central_differences(jacobian):
    x, k = RNG.normal(size=4), 1.3
    J = jacobian(trajectory, wrt=(0, 1))(x, k)
    assert J[0].shape == (2, 4) and J[1].shape == (2,)
    np.testing.assert_allclose(J[0], numerical_jacobian(trajectory, [x, k], 0), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(J[1], numerical_jacobian(trajectory, [x, k], 1), rtol=1e-7, atol=1e-10)


def test_jacfwd_equals_jacrev():
    x, k = RNG.normal(size=4), 0.7
    np.testing.assert_allclose(tad.jacfwd(trajectory)(x, k), tad.jacrev(trajectory)(x, k), rtol=1e-12)


# ----------------------------------------------- every rule through a Hessian
def _rule_cases():
    cases = []
    for entry in catalog.entries():
        inputs = entry.inputs
        first, (shape, domain) = next(iter(inputs.items()))
        if shape == () or domain in ("square", "spd") or entry.host_only or entry.rtol > 1e-6:
            continue        # scalars, matrix functions (no second-order rules yet), float32 examples
        cases.append(pytest.param(entry, id=entry.spelling))
    return cases


@pytest.mark.parametrize("entry", _rule_cases())
def test_every_rule_has_a_right_second_derivative_or_says_it_has_none(entry, tmp_path):
    from test_random_programs import load
    from test_rule_table import draw, function_source
    names = list(entry.inputs)
    body = entry.example if "return" in entry.example else f"return {entry.example}"
    *lines, last = body.splitlines()
    weighted = "\n".join(lines + [f"{last.replace('return ', 'out = ', 1)}",
                                  "return np.sum(np.sin(out) * out)"])
    f = load(function_source(weighted, names), tmp_path / "second.py")
    rng = np.random.default_rng(3)
    args = [draw(rng, shape, domain) for shape, domain in entry.inputs.values()]
    try:
        H = tad.hessian(f)(*args)
    except tad.TransformError as err:
        assert "second-derivative rule" in str(err) or "forward" in str(err), str(err)
        return
    # a small step: clip and astype(int) have kinks a little way from some entries
    expected = numerical_jacobian(tad.grad(f), args, 0, h=1e-5)
    np.testing.assert_allclose(np.asarray(H, float), expected, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------- split-mode vjp
PRIMAL_CALLS = []


def counted(x):
    PRIMAL_CALLS.append(1)
    return np.sin(x)


def counted_jvp(x, x_dot):
    return np.cos(x) * x_dot


def counted_vjp(g, x):          # a def, so second derivatives can differentiate it in turn
    return g * np.cos(x)


tad.custom_rule(counted, jvp=counted_jvp, vjp=counted_vjp)


def field(x, W):
    h = counted(W @ x)
    t = 0
    while t < 3:
        h = np.tanh(W @ h) + h
        t += 1
    return h * x[:3]


def test_vjp_runs_the_forward_sweep_once_and_is_reusable():
    x, W = RNG.normal(size=3), RNG.normal(size=(3, 3)) * 0.5
    PRIMAL_CALLS.clear()
    out, f_vjp = tad.vjp(field, x, W)
    assert len(PRIMAL_CALLS) == 1
    np.testing.assert_allclose(out, field(x, W), rtol=1e-14)
    PRIMAL_CALLS.clear()
    J = tad.jacfwd(field, wrt=(0, 1))(x, W)
    PRIMAL_CALLS.clear()
    for _ in range(3):
        u = RNG.normal(size=3)
        gx, gW = f_vjp(u)
        np.testing.assert_allclose(gx, np.tensordot(u, J[0], axes=1), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(gW, np.tensordot(u, J[1], axes=1), rtol=1e-10, atol=1e-12)
    assert PRIMAL_CALLS == [], "f_vjp ran the forward sweep again"


def test_vjp_of_a_scalar_function_equals_grad():
    out, f_vjp = tad.vjp(iterate, 0.9)
    assert f_vjp(1.0) == (tad.grad(iterate)(0.9),)
    assert f_vjp(2.0)[0] == pytest.approx(2.0 * tad.grad(iterate)(0.9), rel=1e-14)


def test_the_split_source_saves_what_the_reverse_sweep_reads():
    from tangent_ad.pipeline.cache import derivative_function
    text = derivative_function(iterate, "split", ("x",)).source
    assert "def iterate_vjp_forward(x):" in text and "def iterate_vjp_backward(saved, y_bar=1.0):" in text
    assert "return y, (y, x, iterations, tape, cond, t1)" in text       # what the backward sweep reads
    assert "tape = list(tape)" in text


def test_custom_rules_take_part_in_second_derivatives():
    x, W = RNG.normal(size=3), RNG.normal(size=(3, 3)) * 0.5

    H = tad.hessian(scalar_field)(x, W)
    np.testing.assert_allclose(H, numerical_jacobian(tad.grad(scalar_field), [x, W], 0), rtol=1e-6, atol=1e-8)


def scalar_field(x, W):
    return np.sum(field(x, W) ** 2)


def cubes_by_index(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] ** 3
    return s


def cubes_by_row(x):
    total = 0.0
    for row in x:
        total = total + np.sum(row ** 3)
    return total


@pytest.mark.parametrize("f", [cubes_by_index, cubes_by_row])
def test_hessian_of_a_loop_that_indexes_its_argument(f):
    # the gradient's loop adds into x_bar row by row; its plain twin, which forward mode
    # differentiates, builds each sum anew, and the loop index stays an int
    x = np.array([0.5, -1.5, 2.0])
    np.testing.assert_allclose(tad.hessian(f)(x), np.diag(6.0 * x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tad.hessian(f)(x), numerical_jacobian(tad.grad(f), [x], 0), rtol=1e-6, atol=1e-6)


def cyclic_products(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] * x[(i + 1) % len(x)]      # an index computed in the loop, saved on the tape
    return s


def test_hessian_of_a_loop_with_a_computed_index():
    x = np.array([0.5, -1.5, 2.0])
    np.testing.assert_allclose(tad.hessian(cyclic_products)(x), np.ones((3, 3)) - np.eye(3), atol=1e-12)
