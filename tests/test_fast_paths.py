"""What the generated code does to run fast, each checked for the right answer too.

The speed itself is measured in ``benchmarks/`` (docs/performance.md); these tests pin the
properties the speed rests on, so that a later change cannot lose them silently.
"""
import math

import numpy as np
import pytest

import tangent_ad as tad
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
