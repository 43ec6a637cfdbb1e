import numpy as np


def closure_jvp(x, x_dot=1.0):
    """Forward mode (tangents) of closure (golden_comprehensions.py, line 22) with respect to x.

    Given the tangent x_dot, returns (out, out_dot): the value of closure and its tangent.
    """
    y = np.sin(x)
    y_dot = np.cos(x) * x_dot
    # line 25: return np.sum(scaled(x))
    t1 = x * y
    t1_dot = y * x_dot + x * y_dot
    out = np.sum(t1)
    out_dot = np.sum(t1_dot)
    return out, out_dot
