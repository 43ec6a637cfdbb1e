"""Small functions the per-pass tests (tests/test_pass_*.py) run one pass on.

tangent_ad reads a function's source, so the inputs live in a file of their own.
"""
import math

import numpy as np

import helper_module

SCALE = 3.0


# ---------------------------------------------------------------- normalize
def early_return(x):
    if x > 0:
        return x * x
    return -x


def break_and_continue(x, n):
    i = 0
    while i < n:
        i += 1
        if i == 2:
            continue
        if x > 10.0:
            break
        x = x * 1.5
    return x


def sum_over_range(x, n):
    s = 0.0
    for i in range(n):
        s += x * i
    return s


def augmented(x, y):
    x += y
    x *= 2.0
    x -= y
    return x


def conditional_expression(x):
    y = x if x > 0 else -x
    return y * x


def tuple_assignment(x, y):
    a, b = y, x
    return a * b


def swap(x, y):
    x, y = y, x
    return x - y


def for_over_array(xs):
    total = 0.0
    for v in xs:
        total = total + v * v
    return total


def for_with_break(x, n):
    for i in range(n):
        if x > 5.0:
            break
        x = x * 2.0
    return x


def two_results(x):
    return x * 2.0, np.sin(x)


# ---------------------------------------------------------------- analyze
def counter_not_differentiated(x, n):
    i = 0
    while i < n:
        x = x * 0.5
        i = i + 1
    return x


def unused_value(x, y):
    waste = np.exp(x) * 4.0
    z = y * x
    return z


def through_an_alias(x, w):
    a = x
    b = a * w
    c = w * 2.0
    return b + c


def written_through_an_alias(x):
    buf = np.zeros(2)
    view = buf
    buf[0] = x
    return np.sum(view) * 3.0


def buffer_written_in_place(x):
    buf = np.zeros(3)
    buf[0] = x
    return np.sum(buf)


# ---------------------------------------------------------------- lower
def nested(x, y):
    return np.sin(x * y) + np.exp(-x) / y


def rule_bound(x):
    return math.sin(x) + np.sum(np.tanh(x))


def g(a, b):
    return a * np.sin(b)


def calls_helper(x, y):
    return g(x, y) + g(y, 2.0)


# ---------------------------------------------------------------- shapes
def elementwise_shapes(x, w):
    a = np.sin(x)
    b = 2.0 * a
    c = a * w
    d = np.sum(c)
    return d + b


def unstable_shape(x, n):
    v = x
    for i in range(n):
        v = np.sum(v)
    return v


# ---------------------------------------------------------------- plan
def h(a):
    return np.tanh(a)


def k(a, b):
    return h(a) * b


def calls_helpers_twice(x, y):
    p = k(x, y)
    q = h(y)
    return p + k(q, x)


def calls_other_module(x):
    return helper_module.scaled_tanh(x) * x


# ---------------------------------------------------------------- emit
def uses_constant(x):
    return SCALE * np.sum(x * x)


_namespace = {"np": np}
exec("def opaque(v):\n    return v * 3.0\n", _namespace)
opaque = _namespace["opaque"]     # its source cannot be read


def unused_opaque_call(x):
    unused = opaque(x)
    return x * x


def overwritten_opaque_call(x):
    y = opaque(x)
    y = x * x
    return y


def conditional_inside(x):
    return np.sin(x) * (x if x > 0 else 2.0 * x) + x


def cubic_plus_sine(x):
    return x * x * x + np.sin(x)
