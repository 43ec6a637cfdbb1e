"""Aliasing decided from what values are: scalars never share memory, a new array handed to a
helper that changes it is the helper's alone; updates another name sees stay refused."""
import numpy as np
import pytest

import tangent_ad as tad
from tangent_ad.errors import AliasingError
import aliasing_kinds_cases as cases

X = np.array([0.5, -1.0, 2.0])
V = np.array([1.0, 2.0, -1.0])


def exact_gradients():
    """(function, extra arguments, the gradient with respect to x written out)."""
    sx, sq = np.sum(X), np.sum(X ** 2)
    s = 0.7
    return [
        (cases.constant_alias, (), (1.5 + sx) * 2 * X + sq),
        (cases.global_alias, (), 2 * (0.25 + np.sum(np.sin(X))) * np.cos(X)),
        (cases.parameter_alias, (s,), np.full(3, s ** 4)),
        (cases.size_alias, (), 2 * X / 6),
        (cases.reduction_alias, (), (1 + 2 * X) * sx + (sx + sq)),
        (cases.method_reduction_alias, (), 3.0 * (X == X.max())),
        (cases.helper_given_new_array, (), 4 * X + 0.3),
        (cases.helper_given_zeros, (), 0.6 + 3 * X ** 2),
        (cases.helper_given_float, (s,), np.full(3, (s + 1.0) ** 2)),
        (cases.element_alias, (), np.array([2 * X[0] + sq, 0.0, 0.0]) + 2 * X * X[0] + 1.0),
        (cases.helper_result_alias, (), np.full(3, 2 * sx + 1.0 + 2.0)),
    ]


@pytest.mark.parametrize("func,extra,expected", exact_gradients(), ids=lambda v: getattr(v, "__name__", ""))
def test_reverse_mode_gives_the_exact_gradient(func, extra, expected):
    got = tad.grad(func)(X.copy(), *extra)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got, tad.numerical_grad(func, X, *extra), rtol=1e-6, atol=1e-8)
    value, again = tad.value_and_grad(func)(X.copy(), *extra)
    assert value == pytest.approx(func(X.copy(), *extra), rel=1e-12)
    np.testing.assert_allclose(again, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("func,extra,expected", exact_gradients(), ids=lambda v: getattr(v, "__name__", ""))
def test_forward_mode_agrees_with_reverse_mode(func, extra, expected):
    out, out_dot = tad.jvp(func, (X.copy(),) + extra, (V,) + (None,) * len(extra))
    assert out == pytest.approx(func(X.copy(), *extra), rel=1e-12)
    assert out_dot == pytest.approx(np.dot(expected, V), rel=1e-12, abs=1e-12)
    out, f_vjp = tad.vjp(func, X.copy(), *extra)
    np.testing.assert_allclose(f_vjp(1.0)[0], expected, rtol=1e-12, atol=1e-12)


def test_a_float_parameter_is_differentiated_too():
    s = 0.7
    # parameter_alias: (s + sum x) * s^4
    x_bar, s_bar = tad.grad(cases.parameter_alias, wrt=(0, 1))(X, s)
    assert s_bar == pytest.approx(4 * s ** 3 * np.sum(X) + 5 * s ** 4, rel=1e-12)
    assert isinstance(s_bar, float)
    numeric = tad.numerical_grad(cases.parameter_alias, X, s, wrt=(0, 1))
    assert s_bar == pytest.approx(numeric[1], rel=1e-6)
    _, out_dot = tad.jvp(cases.parameter_alias, (X, s), (V, 1.0))
    assert out_dot == pytest.approx(np.dot(x_bar, V) + s_bar, rel=1e-12)


def test_the_arguments_are_left_as_given():
    x = X.copy()
    tad.grad(cases.helper_given_new_array)(x)
    tad.jvp(cases.helper_given_new_array, (x,), (V,))
    np.testing.assert_array_equal(x, X)


def test_one_function_is_built_per_pattern_of_scalars():
    gradient = tad.grad(cases.parameter_alias)
    np.testing.assert_allclose(gradient(X, 0.5), np.full(3, 0.5 ** 4), rtol=1e-12)
    np.testing.assert_allclose(gradient(X, 2), np.full(3, 16.0), rtol=1e-12)        # an int
    np.testing.assert_allclose(gradient(X, np.float64(0.5)), np.full(3, 0.5 ** 4), rtol=1e-12)
    with pytest.raises(AliasingError):                 # a 0-d array is s itself, changed
        gradient(X, np.array(0.5))


def test_without_arguments_the_derivative_stays_conservative():
    with pytest.raises(AliasingError) as info:
        tad.source(cases.parameter_alias)
    assert "z may be the same array as s" in str(info.value)


@pytest.mark.parametrize("func,args,line_text,names", [
    (cases.shared_with_parameter, (X, np.array(0.7)), "z += np.sum(x)", "s"),
    (cases.helper_given_named_array, (X,), "out = bump_second(x, y)", "y"),
    (cases.helper_given_view, (X,), "out = bump_second(x[1:], y[1:])", "y"),
    (cases.array_alias, (X,), "z += x", "y"),
    (cases.where_alias, (X, 0.7), "w += np.sum(x)", "z"),
    (cases.row_alias, (np.ones((2, 3)),), "r += 1.0", "a"),
])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_updates_another_name_sees_are_refused(func, args, line_text, names, mode):
    with pytest.raises(AliasingError) as info:
        if mode == "reverse":
            tad.grad(func)(*args)
        else:
            tad.jvp(func, args, (np.ones_like(args[0]),) + (None,) * (len(args) - 1))
    err = info.value
    assert isinstance(err, tad.TransformError)
    assert err.filename.endswith("aliasing_kinds_cases.py")
    assert line_text in err.text
    assert names in err.detail and ("shares memory" in err.detail or "changes its argument" in err.detail)
    assert "copy" in err.hint


def test_a_helper_refusal_names_the_parameter():
    with pytest.raises(AliasingError) as info:
        tad.grad(cases.helper_given_named_array)(X)
    assert "bump_second changes its parameter b in place" in str(info.value)


def test_on_an_array_of_another_library_only_python_scalars_count():
    """A reduction or an element of a CuPy array is a 0-d array, which changes in place: on the
    strict stand-in for one, reductions and elements stay refused, floats are still floats."""
    from strict_array import strict, unwrap
    x = strict(X)
    for func in (cases.reduction_alias, cases.element_alias):
        with pytest.raises(AliasingError):
            tad.grad(func)(x)
    np.testing.assert_allclose(unwrap(tad.grad(cases.parameter_alias)(x, 0.7)), np.full(3, 0.7 ** 4), rtol=1e-12)
    sx, sq = np.sum(X), np.sum(X ** 2)
    np.testing.assert_allclose(unwrap(tad.grad(cases.constant_alias)(x)), (1.5 + sx) * 2 * X + sq, rtol=1e-12)


def test_a_gradient_built_for_the_call_is_differentiated_again():
    second = tad.grad(tad.grad(cases.cube_in_place))
    assert second(0.7) == pytest.approx(6 * 0.7, rel=1e-12)
    assert second(np.float64(0.5)) == pytest.approx(3.0, rel=1e-12)
    assert tad.grad(second)(0.7) == pytest.approx(6.0, rel=1e-12)
    with pytest.raises(AliasingError):          # the Hessian is built without a call: refused, clearly
        tad.hessian(cases.cube_in_place)(0.7)
