"""Lower (``prepare.lower``, front/flatten.py): one differentiated operation per line.

Each test pins the lowered function as printed and what each operation is bound to (a
rule, a helper's derivative, a copy), runs the printed text to check it computes what
the user's function computes, and checks the derivative against the known one.
"""
import math
import textwrap

import numpy as np
import pytest

import pass_inputs as inputs
import tangent_ad as tad
from tangent_ad.ir import nodes as ir
from tangent_ad.pipeline import prepare


def lowered(func, wrt=("x",)):
    """The lowered function, printed, and its bindings: ``target: kind name (active parameters)``."""
    prepared = prepare.prepare(func, list(wrt))
    bindings = []
    for s in ir.walk(prepared.function.body):
        if isinstance(s, ir.Assign) and s.op is not None:
            op = s.op
            what = op.rule.name if op.rule is not None else (op.callee.__name__ if op.callee else "")
            bindings.append(f"{s.target}: {op.kind} {what} {op.active}".replace("  ", " "))
    return ir.to_source(prepared.function), bindings


def run_text(text, func, *args):
    namespace = dict(func.__globals__)
    exec(compile(text, "<lowered>", "exec"), namespace)
    return namespace[func.__name__](*args)


def test_nested_expressions_one_operation_per_line():
    text, bindings = lowered(inputs.nested, ("x", "y"))
    assert text == textwrap.dedent("""\
        def nested(x, y):
            t1 = x * y
            t2 = np.sin(t1)
            t3 = -x
            t4 = np.exp(t3)
            t5 = t4 / y
            out = t2 + t5
            return out
        """)
    assert bindings == ["t1: rule multiply ('a', 'b')", "t2: rule sin ('x',)", "t3: rule negative ('x',)",
                        "t4: rule exp ('x',)", "t5: rule true_divide ('a', 'b')", "out: rule add ('a', 'b')"]
    assert run_text(text, inputs.nested, 0.4, 1.5) == inputs.nested(0.4, 1.5)
    x, y = 0.4, 1.5
    expected = (y * np.cos(x * y) - np.exp(-x) / y, x * np.cos(x * y) - np.exp(-x) / y ** 2)
    assert tad.grad(inputs.nested, wrt=("x", "y"))(x, y) == pytest.approx(expected, rel=1e-14)


def test_calls_bind_to_rules_whatever_module_they_come_from():
    """math.sin and np.sin find the same rule; np.sum binds its array parameter a."""
    text, bindings = lowered(inputs.rule_bound)
    assert text == textwrap.dedent("""\
        def rule_bound(x):
            t1 = math.sin(x)
            t2 = np.tanh(x)
            t3 = np.sum(t2)
            y = t1 + t3
            return y
        """)
    assert bindings == ["t1: rule sin ('x',)", "t2: rule tanh ('x',)", "t3: rule sum ('a',)",
                        "y: rule add ('a', 'b')"]
    assert tad.grad(inputs.rule_bound)(0.3) == pytest.approx(math.cos(0.3) + 1 - math.tanh(0.3) ** 2,
                                                             rel=1e-14)


def test_a_helper_call_is_one_operation_bound_to_the_helper():
    """g(x, y) carries a derivative for its argument a only (y is not differentiated);
    g(y, 2.0) does not depend on x and is kept, with no binding."""
    text, bindings = lowered(inputs.calls_helper)
    assert text == textwrap.dedent("""\
        def calls_helper(x, y):
            t1 = g(x, y)
            t2 = g(y, 2.0)
            out = t1 + t2
            return out
        """)
    assert bindings == ["t1: call g ('a',)", "out: rule add ('a',)"]
    assert tad.grad(inputs.calls_helper)(0.3, 1.1) == pytest.approx(np.sin(1.1), rel=1e-15)


def test_inactive_statements_are_kept_as_written():
    text, bindings = lowered(inputs.counter_not_differentiated)
    assert text == textwrap.dedent("""\
        def counter_not_differentiated(x, n):
            i = 0
            while i < n:
                x = x * 0.5
                i = i + 1
            y = x
            return y
        """)
    assert bindings == ["x: rule multiply ('a',)", "y: copy ('x',)"]


def test_a_conditional_expression_inside_an_expression():
    """The if made of ``a if c else b`` prints first: its temporary is t1."""
    text, bindings = lowered(inputs.conditional_inside)
    assert text == textwrap.dedent("""\
        def conditional_inside(x):
            if x > 0:
                t1 = x
            else:
                t1 = 2.0 * x
            t2 = np.sin(x)
            t3 = t2 * t1
            y = t3 + x
            return y
        """)
    assert bindings == ["t1: copy ('x',)", "t1: rule multiply ('b',)", "t2: rule sin ('x',)",
                        "t3: rule multiply ('a', 'b')", "y: rule add ('a', 'b')"]
    for x in (1.0, -1.0):
        assert run_text(text, inputs.conditional_inside, x) == inputs.conditional_inside(x)
    assert tad.grad(inputs.conditional_inside)(1.0) == pytest.approx(np.cos(1.0) + np.sin(1.0) + 1,
                                                                     rel=1e-15)
    assert tad.grad(inputs.conditional_inside)(-1.0) == pytest.approx(
        2 * (-np.cos(-1.0) + np.sin(-1.0)) + 1, rel=1e-15)


def test_a_swap_lowers_to_copies():
    text, bindings = lowered(inputs.swap, ("x", "y"))
    assert text == textwrap.dedent("""\
        def swap(x, y):
            t1 = y
            t2 = x
            x = t1
            y = t2
            out = x - y
            return out
        """)
    assert bindings == ["t1: copy ('x',)", "t2: copy ('x',)", "x: copy ('x',)", "y: copy ('x',)",
                        "out: rule subtract ('a', 'b')"]
