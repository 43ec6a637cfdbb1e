import numpy as np


def loop_jvp(x, n, x_dot=1.0):
    """Forward mode (tangents) of loop (seed.py, line 31) with respect to x.

    Given the tangent x_dot, returns (y, y_dot): the value of loop and its tangent.
    """
    i = 0
    while i < n:
        if x > 0:
            # line 36: x = x - 0.1 * np.sin(x)
            t2 = np.sin(x)
            t2_dot = np.cos(x) * x_dot
            t1 = 0.1 * t2
            t1_dot = 0.1 * t2_dot
            x_dot = x_dot - t1_dot
            x = x - t1
        else:
            # line 38: x = x + 0.1 * x * x
            t4 = 0.1 * x
            t4_dot = 0.1 * x_dot
            t3 = t4 * x
            t3_dot = x * t4_dot + t4 * x_dot
            x_dot = x_dot + t3_dot
            x = x + t3
        i += 1
    # line 40: return x
    y = x
    y_dot = x_dot
    return y, y_dot
