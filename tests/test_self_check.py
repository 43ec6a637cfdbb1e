"""check=True: every derivative is compared with central differences of the function.

A right derivative passes, on every array library and in float32; a wrong one (here a
custom rule that is off by half) raises tad.CheckError naming the function, both
numbers and the relative error; check=False, the default, costs nothing.
"""
import re

import numpy as np
import pytest

import tangent_ad as tad

RNG = np.random.default_rng(7)


def rollout(x, W):
    h = x
    for i in range(3):
        h = np.tanh(W @ h) + 0.5 * h
    return np.sum(h * h)


def field(x, W):
    return np.tanh(W @ x) * x


def wrong_square(x):
    return x * x


def wrong_square_jvp(x, x_dot):
    return 3.0 * x * x_dot          # 2 x x_dot is right


def wrong_square_vjp(g, x):
    return 3.0 * g * x


tad.custom_rule(wrong_square, jvp=wrong_square_jvp, vjp=wrong_square_vjp)


def uses_wrong_square(x):
    return np.sum(wrong_square(x)) + np.sum(x)


def right_below_zero(x):
    return x * x


def right_below_zero_jvp(x, x_dot):
    return np.where(x > 0.0, 3.0, 2.0) * x * x_dot


def right_below_zero_vjp(g, x):
    return np.where(x > 0.0, 3.0, 2.0) * x * g


tad.custom_rule(right_below_zero, jvp=right_below_zero_jvp, vjp=right_below_zero_vjp)


def uses_right_below_zero(x):
    return np.sum(right_below_zero(x))


def _args(xp):
    x, W = RNG.normal(size=4), RNG.normal(size=(4, 4)) * 0.5
    return (x, W), (xp.to_array(x), xp.to_array(W))


def test_a_right_derivative_passes_and_is_returned_unchanged(xp):
    (x, W), (x_, W_) = _args(xp)
    expected = tad.grad(rollout, wrt=(0, 1))(x, W)
    got = tad.grad(rollout, wrt=(0, 1), check=True)(x_, W_)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(xp.from_array(g), e, rtol=1e-12)
    value, g = tad.value_and_grad(rollout, check=True)(x_, W=W_)        # a keyword argument too
    np.testing.assert_allclose(float(value), rollout(x, W), rtol=1e-12)
    np.testing.assert_allclose(xp.from_array(g), expected[0], rtol=1e-12)
    out, out_dot = tad.jvp(field, (x_, W_), (xp.to_array(np.ones(4)), None), check=True)
    np.testing.assert_allclose(xp.from_array(out_dot), tad.jvp(field, (x, W), (np.ones(4), None))[1],
                               rtol=1e-12)
    out, f_vjp = tad.vjp(field, x_, W_, check=True)
    x_bar, W_bar = f_vjp(xp.to_array(np.arange(4.0)))
    np.testing.assert_allclose(xp.from_array(W_bar), tad.vjp(field, x, W)[1](np.arange(4.0))[1],
                               rtol=1e-12)


def test_python_floats_and_the_decorator_are_checked():
    @tad.differentiate(check=True)
    def poly(x1, x2):
        return (x1 + x2) * (x1 - x2)

    assert poly.grad(3.0, 2.0) == 6.0
    assert poly.value_and_grad(3.0, 2.0) == (5.0, 6.0)
    assert poly.jvp((3.0, 2.0), (1.0, 0.0)) == (5.0, 6.0)
    assert poly.vjp(3.0, 2.0)[1](1.0) == (6.0, -4.0)


@pytest.mark.parametrize("make", [
    lambda: tad.grad(uses_wrong_square, check=True)(np.array([1.0, -2.0, 0.5])),
    lambda: tad.value_and_grad(uses_wrong_square, check=True)(np.array([1.0, -2.0, 0.5])),
    lambda: tad.vjp(uses_wrong_square, np.array([1.0, -2.0, 0.5]), check=True)[1](1.0),
    lambda: tad.differentiate(uses_wrong_square, check=True).grad(np.array([1.0, -2.0, 0.5])),
    lambda: tad.grad(uses_wrong_square, check=True)(np.array([1.0, -2.0, 0.5], dtype=np.float32)),
], ids=["grad", "value_and_grad", "vjp", "decorator", "float32"])
def test_a_wrong_custom_rule_is_caught(make):
    with pytest.raises(tad.CheckError) as info:
        make()
    message = str(info.value)
    assert "uses_wrong_square" in message and "relative error" in message, message
    numbers = re.search(r"gives <[^>]*> = (\S+) and central differences of uses_wrong_square give "
                        r"(\S+): relative error (\S+) > (\S+)\.", message)
    analytic, numeric, relative, tolerance = (float(n.rstrip(".")) for n in numbers.groups())
    # the rule's gradient is 3x + 1 where 2x + 1 is right: the two differ by <x, v>, whose size
    # depends on the random direction v; what holds for every v is that the check's own
    # numbers are reported and exceed its tolerance
    assert relative == pytest.approx(abs(analytic - numeric) / max(abs(analytic), abs(numeric)), rel=1e-2)
    assert relative > tolerance >= 1e-4


def test_a_wrong_jvp_gives_both_numbers():
    """Along the tangent 1.0 at 1.5: the rule's 3 x + 1 = 5.5 against the true 2 x + 1 = 4."""
    with pytest.raises(tad.CheckError) as info:
        tad.jvp(uses_wrong_square, (1.5,), (1.0,), check=True)
    numbers = re.search(r"out_dot = (\S+) and central differences of uses_wrong_square give (\S+): "
                        r"relative error (\S+) >", str(info.value))
    analytic, numeric, relative = (float(n) for n in numbers.groups())
    assert analytic == 5.5
    assert numeric == pytest.approx(4.0, rel=1e-8)
    assert relative == pytest.approx(1.5 / 5.5, rel=2e-3)       # printed to 3 digits
    assert tad.jvp(uses_wrong_square, (1.5,), (1.0,))[1] == 5.5      # unchecked: no error, wrong


def test_the_check_runs_on_every_call():
    gradient = tad.grad(uses_right_below_zero, check=True)
    np.testing.assert_allclose(gradient(np.array([-1.0, -2.0])), [-2.0, -4.0])
    with pytest.raises(tad.CheckError, match="uses_right_below_zero"):
        gradient(np.array([1.0, -2.0]))


def test_check_error_is_exported_and_an_assertion_error():
    assert issubclass(tad.CheckError, AssertionError) and "CheckError" in tad.__all__


class Counted(tad.Differentiable):
    """A decorated function that counts its evaluations (the check calls it)."""
    calls = 0

    def __call__(self, *args, **kwargs):
        Counted.calls += 1
        return super().__call__(*args, **kwargs)


def test_check_false_adds_no_cost():
    f = Counted(rollout)
    x, W = RNG.normal(size=4), RNG.normal(size=(4, 4)) * 0.5
    assert tad.grad(f, check=False).__code__ is tad.grad(f).__code__
    assert tad.grad(f, check=True).__code__ is not tad.grad(f).__code__
    Counted.calls = 0
    tad.grad(f)(x, W)
    tad.value_and_grad(f)(x, W)
    tad.jvp(f, (x, W), (x, None))
    tad.vjp(f, x, W)[1](1.0)
    assert Counted.calls == 0               # the function itself never ran
    tad.grad(f, check=True)(x, W)
    tad.jvp(f, (x, W), (x, None), check=True)
    tad.vjp(f, x, W, check=True)[1](1.0)
    assert Counted.calls == 6               # f(x + h v) and f(x - h v), per check
