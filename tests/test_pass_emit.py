"""Emit (pipeline/emit.py): the import lines at the top of ``tad.source``.

The source runs in a fresh namespace: NumPy under the user's alias, the runtime helpers
the code calls (and no others), the user's modules and globals from their module, and
the derivatives of helpers from other modules. Each test pins the header, then runs the
whole text in an empty namespace and checks the derivative it gives.
"""
import math

import numpy as np
import pytest

import pass_inputs as inputs
import pass_inputs_alias as aliased
import tangent_ad as tad


def header(text):
    """The lines above the first definition."""
    return text.split("\n\n\n")[0].splitlines()


def run_fresh(text, name, *args):
    namespace = {}
    exec(compile(text, "<emitted>", "exec"), namespace)
    return namespace[name](*args)


def test_numpy_under_the_users_alias_and_a_global_from_its_module():
    text = tad.source(aliased.shifted_cube, "reverse")
    assert header(text) == ["import math",
                            "import numpy as onp",
                            "from pass_inputs_alias import OFFSET",
                            "from tangent_ad.runtime import seed_adjoint, sum_adjoint, unbroadcast"]
    assert "np." not in text.replace("onp.", "")
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(run_fresh(text, "shifted_cube_grad", x), 3 * (x + 0.5) ** 2, rtol=1e-15)


def test_forward_mode_imports_only_the_runtime_helpers_it_calls():
    text = tad.source(aliased.shifted_cube, "forward")
    assert header(text) == ["import math",
                            "import numpy as onp",
                            "from pass_inputs_alias import OFFSET",
                            "from tangent_ad.runtime import broadcast_like"]
    x, v = np.array([0.5, -1.0]), np.array([1.0, 2.0])
    value, tangent = run_fresh(text, "shifted_cube_jvp", x, v)
    assert value == aliased.shifted_cube(x)
    assert tangent == pytest.approx(np.sum(3 * (x + 0.5) ** 2 * v), rel=1e-15)


def test_a_user_constant_is_imported_from_the_users_module():
    text = tad.source(inputs.uses_constant, "reverse")
    assert header(text) == ["import numpy as np",
                            "from pass_inputs import SCALE",
                            "from tangent_ad.runtime import seed_adjoint, unbroadcast"]
    x = np.array([1.0, -2.0])
    np.testing.assert_array_equal(run_fresh(text, "uses_constant_grad", x), 2 * inputs.SCALE * x)


def test_no_numpy_import_when_the_derivative_does_not_call_numpy():
    """The loop's derivative only multiplies: no import of NumPy, one runtime helper."""
    text = tad.source(inputs.counter_not_differentiated, "reverse")
    assert header(text) == ["from tangent_ad.runtime import seed_adjoint"]
    assert run_fresh(text, "counter_not_differentiated_grad", 3.0, 3) == 0.125


def test_a_helper_of_another_module_is_imported_with_its_derivative():
    text = tad.source(inputs.calls_other_module, "reverse")
    assert header(text) == [
        "import helper_module",
        "from tangent_ad.runtime import seed_adjoint, unbroadcast",
        "from tangent_ad import derivative",
        "scaled_tanh_grad = derivative(helper_module.scaled_tanh, mode='reverse', wrt='a')"]
    not_optimized = tad.source(inputs.calls_other_module, "forward", optimize=False)
    assert header(not_optimized)[-1] == ("scaled_tanh_jvp = derivative(helper_module.scaled_tanh, "
                                         "mode='forward', wrt='a', optimize=False)")
    x = 0.3
    expected = math.tanh(2 * x) + x * 2 * (1 - math.tanh(2 * x) ** 2)
    assert run_fresh(text, "calls_other_module_grad", x) == pytest.approx(expected, rel=1e-14)
    assert run_fresh(not_optimized, "calls_other_module_jvp", x)[1] == pytest.approx(expected, rel=1e-14)


def test_helpers_of_the_same_module_are_imported_and_their_derivatives_follow_the_entry():
    text = tad.source(inputs.calls_helpers_twice, "reverse", "x")
    assert header(text) == ["import numpy as np",
                            "from pass_inputs import h, k",
                            "from tangent_ad.runtime import seed_adjoint, unbroadcast"]
    assert text.index("def calls_helpers_twice_grad") < text.index("def h_grad") < text.index("def k_grad_a")
    x, y = 0.4, 1.3
    expected = (1 - np.tanh(x) ** 2) * y + np.tanh(np.tanh(y))
    assert run_fresh(text, "calls_helpers_twice_grad", x, y) == pytest.approx(expected, rel=1e-14)


def test_a_runtime_name_in_a_comment_is_not_imported_and_a_second_derivative_runs_as_printed():
    # the gradient's code calls seed_adjoint; forward mode over it quotes that line in a
    # comment (# line 17: y_bar = seed_adjoint(y, y_bar)) and calls the runtime's own helper
    text = tad.source(tad.grad(inputs.cubic_plus_sine), "forward")
    imported = [line for line in header(text) if line.startswith("from tangent_ad.runtime import")]
    called = {name for name in ("seed_adjoint", "broadcast_like", "unbroadcast", "sum_adjoint")
              if f"{name}(" in "\n".join(line for line in text.splitlines()
                                         if not line.lstrip().startswith("#"))}
    assert imported == [f"from tangent_ad.runtime import {', '.join(sorted(called))}"]
    assert "seed_adjoint2" not in text          # the runtime helper is not renamed apart from itself
    for x in (0.5, -1.25):
        gradient, second = run_fresh(text, "cubic_plus_sine_grad_jvp", x)
        assert gradient == pytest.approx(3 * x * x + math.cos(x), rel=1e-15)
        assert second == pytest.approx(6 * x - math.sin(x), rel=1e-15)


def test_names_in_comments_and_strings_are_neither_called_nor_read():
    from tangent_ad.pipeline.emit import free_and_called_names
    text = ('def g(x):\n    """unbroadcast(x) in a docstring"""\n'
            '    # line 3: y = zeros_like(x)\n    y = f(x)\n    return y\n')
    assert free_and_called_names(text) == ({"f"}, {"f"})
