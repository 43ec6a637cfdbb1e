import numpy as np
from tangent_ad.runtime import broadcast_like, zeros_like


def stacked_sines_jvp(x, x_dot=1.0):
    """Forward mode (tangents) of stacked_sines (golden_comprehensions.py, line 18) with respect to x.

    Given the tangent x_dot, returns (y, y_dot): the value of stacked_sines and its tangent.
    """
    # line 19: return np.sum(np.stack([np.sin(v) * v for v in x]))
    values = []
    values_dot = zeros_like(values)
    for v_index in range(len(x)):
        v = x[v_index]
        v_dot = broadcast_like(x_dot, x)[v_index]
        t1 = np.sin(v)
        t1_dot = np.cos(v) * v_dot
        t2 = t1 * v
        t2_dot = v * t1_dot + t1 * v_dot
        values_dot = values_dot + [t2_dot]
        values = values + [t2]
    t3 = np.stack(values)
    t3_dot = np.stack(values_dot)
    y = np.sum(t3)
    y_dot = np.sum(t3_dot)
    return y, y_dot
