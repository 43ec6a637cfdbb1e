"""The chapter's worked examples, whose generated source is pinned in tests/golden/."""
import numpy as np


def f(x1, x2):
    return (x1 + x2) * (x1 - x2)


def sin_square(x):
    return np.sin(x ** 2)


def z(x, y):
    return (x + y) ** 2


def square_sum(x):
    return np.sum(x ** 2)


def damped(x, n):
    i = 0
    while i < n:
        if x > 0:
            x = x - 0.1 * np.sin(x)
        else:
            x = x + 0.1 * x * x
        i += 1
    return x


# (function, mode, wrt) for every pinned source
CASES = [
    (f, "reverse", ("x1", "x2")),
    (f, "forward", "x1"),
    (sin_square, "reverse", "x"),
    (sin_square, "forward", "x"),
    (z, "reverse", ("x", "y")),
    (z, "forward", ("x", "y")),
    (square_sum, "reverse", "x"),
    (square_sum, "forward", "x"),
    (damped, "reverse", "x"),
    (damped, "forward", "x"),
]
