"""A differentiated function calling a helper defined in another module, with other globals."""
import numpy as np
import pytest

import helper_module
import tangent_ad as tad
from helper_module import scaled_tanh


def loss(x):
    return np.sum(scaled_tanh(x) * helper_module.scaled_tanh(x * 0.5))


X = np.array([0.3, -0.2, 0.9])


def test_reverse_mode_through_a_helper_of_another_module():
    np.testing.assert_allclose(tad.grad(loss)(X), tad.numerical_grad(loss, X), rtol=1e-8)


def test_forward_mode_through_a_helper_of_another_module():
    v = np.array([1.0, -2.0, 0.5])
    _, out_dot = tad.jvp(loss, (X,), (v,))
    assert out_dot == pytest.approx(np.dot(tad.numerical_grad(loss, X), v), rel=1e-8)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_source_runs_in_a_fresh_namespace(mode):
    d = tad.derivative(loss, mode)
    assert "derivative(scaled_tanh" in d.source
    namespace = {}
    exec(compile(d.source, "<fresh>", "exec"), namespace)
    args = (X,) if mode == "reverse" else (X, np.ones(3))
    np.testing.assert_allclose(namespace[d.__name__](*args)[-1], d(*args)[-1], rtol=0)
