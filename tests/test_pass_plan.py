"""The plan (pipeline/plan.py): every derivative one generated module needs, callees first.

calls_helpers_twice(x, y) calls k(x, y), h(y) and k(q, x); k calls h. Differentiated for
x, k is needed once for its argument a and once for b (k_grad_a, k_grad_b), and h for a
inside k_grad_a; h(y) does not depend on x and needs nothing.
"""
import numpy as np
import pytest

import helper_module
import pass_inputs as inputs
import tangent_ad as tad
from tangent_ad.pipeline import cache
from tangent_ad.pipeline.generate import generate
from tangent_ad.pipeline.module import Module, Request
from tangent_ad.pipeline.plan import Plan


def other_module(func, mode, wrt):
    return cache.derivative_function(func, mode, tuple(wrt))


def plan(func, mode, wrt):
    request = Request(mode, tuple(wrt))
    return Plan(Module(func, request), func, request, external=other_module)


def entries(entries_):
    return [(e.func.__name__, e.mode, e.wrt, e.derived.name if e.derived else None) for e in entries_]


@pytest.mark.parametrize("mode,suffix,callee_suffix", [("reverse", "grad", "grad"),
                                                       ("forward", "jvp", "jvp")])
def test_helpers_are_planned_in_call_order_and_ordered_callees_first(mode, suffix, callee_suffix):
    planned = plan(inputs.calls_helpers_twice, mode, ["x"])
    assert entries(planned.order) == [
        ("calls_helpers_twice", mode, ("x",), f"calls_helpers_twice_{suffix}"),
        ("k", mode, ("a",), f"k_{callee_suffix}_a"),        # k(x, y): for a only
        ("h", mode, ("a",), f"h_{callee_suffix}"),          # h(a) inside k: all its arguments
        ("k", mode, ("b",), f"k_{callee_suffix}_b"),        # k(q, x): for b only
    ]
    assert planned.entry is planned.order[0] and planned.entry.is_entry
    assert [e.derived.name for e in planned.callees_first()] == [
        f"h_{callee_suffix}", f"k_{callee_suffix}_a", f"k_{callee_suffix}_b", f"calls_helpers_twice_{suffix}"]
    for entry in planned.callees_first():
        entry.code = generate(entry)
    assert [e.derived.name for e in planned.used()] == [e.derived.name for e in planned.callees_first()]


def test_split_mode_plans_reverse_derivatives_of_its_helpers():
    planned = plan(inputs.calls_helpers_twice, "split", ["x", "y"])
    assert entries(planned.order) == [
        ("calls_helpers_twice", "split", ("x", "y"), "calls_helpers_twice_vjp_forward"),
        ("k", "reverse", ("a", "b"), "k_grad"),             # both arguments: no suffix
        ("h", "reverse", ("a",), "h_grad"),
    ]
    assert planned.entry.derived.backward == "calls_helpers_twice_vjp_backward"


def test_the_planned_names_are_the_ones_in_the_source_and_the_gradient_is_right():
    text = tad.source(inputs.calls_helpers_twice, "reverse", "x")
    definitions = [line.split("(")[0][4:] for line in text.splitlines() if line.startswith("def ")]
    assert definitions == ["calls_helpers_twice_grad", "h_grad", "k_grad_a", "k_grad_b"]
    assert "x_bar_from_k2 = k_grad_b(q, x, y_bar=t1_bar)" in text
    assert "x_bar_from_k = k_grad_a(x, y, y_bar=p_bar)" in text
    x, y = 0.4, 1.3
    # f = tanh(x) y + tanh(tanh(y)) x
    expected = (1 - np.tanh(x) ** 2) * y + np.tanh(np.tanh(y))
    assert tad.grad(inputs.calls_helpers_twice)(x, y) == pytest.approx(expected, rel=1e-14)
    assert tad.jvp(inputs.calls_helpers_twice, (x, y), (1.0, None))[1] == pytest.approx(expected, rel=1e-14)


def test_a_helper_of_another_module_gets_a_derivative_of_its_own():
    """scaled_tanh lives in helper_module: it is built by its own pipeline, not generated here."""
    planned = plan(inputs.calls_other_module, "reverse", ["x"])
    assert entries(planned.order) == [("calls_other_module", "reverse", ("x",), "calls_other_module_grad"),
                                      ("scaled_tanh", "reverse", ("a",), "scaled_tanh_grad")]
    helper = planned.order[1]
    assert helper.prepared is None and helper.error is None
    assert helper.external is cache.derivative_function(helper_module.scaled_tanh, "reverse", ("a",))
    assert [e.derived.name for e in planned.callees_first()] == ["calls_other_module_grad"]
    x = 0.3
    expected = np.tanh(2 * x) + x * 2 * (1 - np.tanh(2 * x) ** 2)
    assert tad.grad(inputs.calls_other_module)(x) == pytest.approx(expected, rel=1e-14)


def test_an_unreadable_helper_is_planned_with_its_error_not_raised():
    """y = opaque(x) is overwritten at once; the plan keeps opaque's error for the generator,
    which raises it where the call is differentiated, pointing at the call."""
    planned = plan(inputs.overwritten_opaque_call, "reverse", ["x"])
    assert entries(planned.order) == [
        ("overwritten_opaque_call", "reverse", ("x",), "overwritten_opaque_call_grad"),
        ("opaque", "reverse", ("v",), None)]
    helper = planned.order[1]
    assert isinstance(helper.error, tad.TransformError)
    assert "the source of opaque cannot be read" in str(helper.error)
    assert [e.derived.name for e in planned.callees_first()] == ["overwritten_opaque_call_grad"]
    with pytest.raises(tad.TransformError) as info:
        tad.grad(inputs.overwritten_opaque_call)(3.0)
    assert info.value.lineno == inputs.overwritten_opaque_call.__code__.co_firstlineno + 1
    assert str(info.value).split(": ", 1)[1].startswith("call to opaque: the source of opaque cannot be read")


def test_a_call_that_carries_no_derivative_is_not_planned():
    """unused = opaque(x) does not reach the output: nothing is planned, nothing raises."""
    planned = plan(inputs.unused_opaque_call, "reverse", ["x"])
    assert entries(planned.order) == [("unused_opaque_call", "reverse", ("x",), "unused_opaque_call_grad")]
    assert tad.grad(inputs.unused_opaque_call)(3.0) == 6.0
    assert tad.jvp(inputs.unused_opaque_call, (3.0,), (1.0,)) == (9.0, 6.0)
