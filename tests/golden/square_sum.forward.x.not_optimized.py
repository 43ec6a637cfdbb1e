import numpy as np
from tangent_ad.runtime import broadcast_like


def square_sum_jvp(x, x_dot=1.0):
    """Forward mode (tangents) of square_sum (seed.py, line 21) with respect to x.

    Given the tangent x_dot, returns (y, y_dot): the value of square_sum and its tangent.
    """
    # line 23: return np.sum(x ** 2)
    t1 = x ** 2
    t1_dot = 2 * x ** (2 - (2 != 0)) * broadcast_like(x_dot, x)
    y = np.sum(t1)
    y_dot = np.sum(broadcast_like(t1_dot, t1))
    return y, broadcast_like(y_dot, y)
