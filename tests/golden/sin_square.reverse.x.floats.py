import numpy as np
from tangent_ad.runtime import reusable


def sin_square_grad(x, y_bar=1.0):
    """Reverse mode (adjoints) of sin_square (seed.py, line 16) with respect to x.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns x_bar.
    """
    # forward sweep
    # line 18: return np.sin(x ** 2)
    t1 = x ** 2
    # not needed for the gradient: y = np.sin(t1)
    # reverse sweep
    # y = np.sin(t1)
    t1_bar = np.cos(t1, out=reusable(t1))    # t1 is not read again: its array holds the result
    t1_bar *= y_bar
    # t1 = x ** 2
    t1_bar *= x
    t1_bar *= 2
    x_bar = t1_bar
    return x_bar
