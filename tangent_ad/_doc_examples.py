"""Small functions the docstring examples differentiate (they need a real source file)."""
import numpy as np


def poly(x1, x2):
    return (x1 + x2) * (x1 - x2)


def square_sum(x):
    return np.sum(x ** 2)
