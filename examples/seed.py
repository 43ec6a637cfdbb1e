"""The worked examples of the automatic-differentiation chapter, as plain functions.

Nothing here knows about tangent_ad: these are ordinary NumPy functions, and
examples/chapter.py differentiates them. From the command line:

    python -m tangent_ad examples/seed.py:f --mode forward --wrt x1
"""
import numpy as np


def f(x1, x2):
    """y = (x1 + x2) * (x1 - x2), the chapter's forward- and reverse-mode example."""
    return (x1 + x2) * (x1 - x2)


def sin_square(x):
    """y = sin(x ** 2), the chain-rule example: dy/dx = 2 x cos(x ** 2)."""
    return np.sin(x ** 2)


def square_sum(x):
    """y = sum(x ** 2), the PyTorch / TensorFlow / JAX example: dy/dx = 2 x."""
    return np.sum(x ** 2)


def z(x, y):
    """z = (x + y) ** 2, the multivariate chain-rule example: dz/dx = dz/dy = 2 (x + y)."""
    return (x + y) ** 2


def loop(x, n):
    """n damped steps whose update depends on the sign of x: a while loop around an if."""
    i = 0
    while i < n:
        if x > 0:
            x = x - 0.1 * np.sin(x)
        else:
            x = x + 0.1 * x * x
        i += 1
    return x
