import numpy as np


def branch_jvp(x, y, x_dot=1.0, y_dot=1.0):
    """Forward mode (tangents) of branch (golden_more.py, line 16) with respect to x, y.

    Given the tangents x_dot, y_dot, returns (out, out_dot): the value of branch and its tangent.
    """
    if x > y:
        # line 18: z = x * np.sin(y)
        t1 = np.sin(y)
        t1_dot = np.cos(y) * y_dot
        z = x * t1
        z_dot = t1 * x_dot + x * t1_dot
    else:
        # line 20: z = y * np.cos(x)
        t2 = np.cos(x)
        t2_dot = -(np.sin(x) * x_dot)
        z = y * t2
        z_dot = t2 * y_dot + y * t2_dot
    # line 21: return z * x
    out = z * x
    out_dot = x * z_dot + z * x_dot
    return out, out_dot
