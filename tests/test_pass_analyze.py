"""Analyze (``prepare.analyze``, front/activity.py): the active set of small functions.

A variable is active when it depends on a differentiated argument (varied) and the output
depends on it (useful). Each test pins the active set and checks the consequence: what
has no tangent or adjoint in the generated code, and that the derivative is right.
"""
import re

import numpy as np
import pytest

import pass_inputs as inputs
import tangent_ad as tad
from tangent_ad.pipeline import prepare


def analysis(func, wrt):
    parsed = prepare.parse(func, list(wrt))
    prepare.fence(parsed)
    normalized = prepare.normalize(parsed)
    return prepare.analyze(normalized, parsed.wrt)


def derived_names(text):
    """The variables the generated text gives a tangent or an adjoint."""
    return set(re.findall(r"\b(\w+?)_(?:dot|bar)\b", text))


def test_a_loop_counter_is_not_differentiated():
    result = analysis(inputs.counter_not_differentiated, ["x"])
    assert sorted(result.active) == ["x", "y"]
    assert sorted(result.flow.varied) == ["x", "y"]          # i and n never mix with x
    for mode in ("forward", "reverse"):
        assert derived_names(tad.source(inputs.counter_not_differentiated, mode)) == {"x", "y"}
    assert tad.grad(inputs.counter_not_differentiated)(3.0, 4) == 0.5 ** 4


def test_a_value_that_does_not_reach_the_output_is_not_active():
    """waste depends on x (varied) but the output does not depend on it (not useful)."""
    result = analysis(inputs.unused_value, ["x", "y"])
    assert sorted(result.active) == ["x", "y", "z"]
    assert "waste" in result.flow.varied and "waste" not in result.flow.useful
    text = tad.source(inputs.unused_value, "reverse", ("x", "y"))
    assert "waste" in text and "waste_bar" not in text and "waste_dot" not in text
    assert tad.grad(inputs.unused_value, wrt=("x", "y"))(2.0, 5.0) == (5.0, 2.0)


def test_an_argument_not_asked_for_is_active_only_where_it_mixes_with_one_that_is():
    """wrt x: c = w * 2.0 is not varied; wrt w: a = x is not varied. Both are useful."""
    by_x = analysis(inputs.through_an_alias, ["x"])
    by_w = analysis(inputs.through_an_alias, ["w"])
    assert sorted(by_x.active) == ["a", "b", "x", "y"]
    assert sorted(by_w.active) == ["b", "c", "w", "y"]
    assert sorted(by_x.flow.useful) == sorted(by_w.flow.useful) == ["a", "b", "c", "w", "x", "y"]
    assert tad.grad(inputs.through_an_alias, wrt="x")(2.0, 5.0) == 5.0
    assert tad.grad(inputs.through_an_alias, wrt="w")(2.0, 5.0) == 4.0


def test_a_name_sharing_memory_with_a_written_array_is_active():
    """view = buf, then buf[0] = x: view holds x too, so it is active (and the in-place write
    through a shared array is refused when lowered, rather than differentiated wrongly)."""
    result = analysis(inputs.written_through_an_alias, ["x"])
    assert sorted(result.active) == ["buf", "view", "x", "y"]
    with pytest.raises(tad.TransformError) as info:
        tad.grad(inputs.written_through_an_alias)(2.0)
    assert "buf may be the same array as view" in str(info.value)
    assert info.value.lineno == inputs.written_through_an_alias.__code__.co_firstlineno + 3


def test_a_buffer_written_in_place_becomes_active():
    result = analysis(inputs.buffer_written_in_place, ["x"])
    assert sorted(result.active) == ["buf", "x", "y"]
    assert tad.grad(inputs.buffer_written_in_place)(2.0) == 1.0


def test_a_helper_call_makes_its_result_active_through_the_differentiated_argument():
    """g(y, 2.0) does not depend on x, so only the first call carries a derivative."""
    result = analysis(inputs.calls_helper, ["x"])
    assert sorted(result.active) == ["out", "x"]
    assert "y" in result.flow.useful and "y" not in result.flow.varied
    x, y = 0.3, 1.1
    assert tad.grad(inputs.calls_helper)(x, y) == pytest.approx(np.sin(y), rel=1e-15)
