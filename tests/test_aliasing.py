"""In-place updates: accepted where no other name can see them, rejected where one may."""
import numpy as np
import pytest

import tangent_ad as tad
from aliasing_cases import (rebound_before_update, shared_in_a_loop, shared_on_one_branch,
                            shared_through_helper, updated_before_sharing)

X = np.array([0.5, -1.0, 2.0])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_update_of_a_new_array_is_differentiated(mode):
    # sum((2x + 1) * x): gradient 4x + 1
    if mode == "reverse":
        np.testing.assert_allclose(tad.grad(rebound_before_update)(X), 4 * X + 1, rtol=1e-12)
    else:
        v = np.array([1.0, 2.0, -1.0])
        _, out_dot = tad.jvp(rebound_before_update, (X,), (v,))
        assert out_dot == pytest.approx(np.dot(4 * X + 1, v), rel=1e-12)


def test_update_before_the_array_is_shared_is_differentiated():
    # h = 3x; sum(h * h) = 9 sum(x^2): gradient 18 x
    np.testing.assert_allclose(tad.grad(updated_before_sharing)(X), 18 * X, rtol=1e-12)


@pytest.mark.parametrize("func,args,line_text", [
    (shared_on_one_branch, (X, 1.0), "z += x"),
    (shared_in_a_loop, (X, 2), "z *= 3.0"),
    (shared_through_helper, (X,), "z *= 3.0"),
])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_update_of_possibly_shared_memory_is_rejected(func, args, line_text, mode):
    with pytest.raises(tad.TransformError) as info:
        tad.source(func, mode)
    err = info.value
    assert err.filename.endswith("aliasing_cases.py")
    assert line_text in err.text
    assert "shares memory" in str(err) and "y" in str(err)
