import numpy as np


def loop_jvp(x, n, x_dot=1.0):
    """Forward mode (tangents) of loop (seed.py, line 31) with respect to x.

    Given the tangent x_dot, returns (y, y_dot): the value of loop and its tangent.
    """
    i = 0
    while i < n:
        if x > 0:
            # line 36: x = x - 0.1 * np.sin(x)
            t1 = np.sin(x)
            t1_dot = np.cos(x) * x_dot
            t2 = 0.1 * t1
            t2_dot = 0.1 * t1_dot
            x_dot = x_dot - t2_dot
            x = x - t2
        else:
            # line 38: x = x + 0.1 * x * x
            t3 = 0.1 * x
            t3_dot = 0.1 * x_dot
            t4 = t3 * x
            t4_dot = x * t3_dot + t3 * x_dot
            x_dot = x_dot + t4_dot
            x = x + t4
        i += 1
    # line 40: return x
    y = x
    y_dot = x_dot
    return y, y_dot
