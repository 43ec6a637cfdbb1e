import numpy as np
from tangent_ad.runtime import broadcast_like


def sin_square_jvp(x, x_dot=1.0):
    """Forward mode (tangents) of sin_square (seed.py, line 16) with respect to x.

    Given the tangent x_dot, returns (y, y_dot): the value of sin_square and its tangent.
    """
    # line 18: return np.sin(x ** 2)
    t1 = x ** 2
    t1_dot = 2 * x ** (2 - (2 != 0)) * broadcast_like(x_dot, x)
    y = np.sin(t1)
    y_dot = np.cos(t1) * broadcast_like(t1_dot, t1)
    return y, broadcast_like(y_dot, y)
