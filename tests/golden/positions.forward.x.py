import numpy as np
from tangent_ad.runtime import broadcast_like, zeros_like


def positions_jvp(x, w, x_dot=1.0):
    """Forward mode (tangents) of positions (golden_more.py, line 63) with respect to x.

    Given the tangent x_dot, returns (s, s_dot): the value of positions and its tangent.
    """
    s = 0.0
    s_dot = zeros_like(s)
    # line 65: for i, v in enumerate(x):
    for i in range(len(x)):
        v = x[i]
        v_dot = broadcast_like(x_dot, x)[i]
        # line 66: s = s + i * v * v
        t1 = i * v
        t1_dot = i * v_dot
        t2 = t1 * v
        t2_dot = v * t1_dot + t1 * v_dot
        s_dot = s_dot + t2_dot
        s = s + t2
    # line 67: for a, b in zip(x, w):
    for a_b_index in range(min(len(x), len(w))):
        a = x[a_b_index]
        a_dot = broadcast_like(x_dot, x)[a_b_index]
        b = w[a_b_index]
        # line 68: s = s + max(a, b) * b
        t3 = max(a, b)
        t3_dot = (0.5 + 0.5 * np.sign(a - b)) * a_dot
        t4 = t3 * b
        t4_dot = b * t3_dot
        s_dot = s_dot + t4_dot
        s = s + t4
    return s, broadcast_like(s_dot, s)
