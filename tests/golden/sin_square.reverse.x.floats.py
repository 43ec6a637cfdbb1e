import numpy as np


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
    t1_bar = y_bar * np.cos(t1)
    # t1 = x ** 2
    x_bar = t1_bar * (2 * x)
    return x_bar
