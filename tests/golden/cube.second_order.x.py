import numpy as np
from tangent_ad.runtime import broadcast_like, seed_adjoint


def cube_grad_jvp(x, y_bar=1.0, x_dot=1.0):
    """Forward mode (tangents) of cube_grad (<tangent_ad reverse golden_more.cube>, line 5) with respect to x.

    Given the tangent x_dot, returns (x_bar, x_bar_dot): the value of cube_grad and its tangent.
    """
    t1 = x * x
    t1_dot = x * x_dot + x * x_dot
    t2 = t1 * x
    t3 = np.sin(x)
    y = t2 + t3
    y_bar = seed_adjoint(y, y_bar)
    t2_bar = y_bar
    t3_bar = y_bar
    # line 22: x_bar = t3_bar * np.cos(x)
    t4 = np.cos(x)
    t4_dot = -(np.sin(x) * x_dot)
    x_bar = t3_bar * t4
    x_bar_dot = t3_bar * t4_dot
    t1_bar = t2_bar * x
    t1_bar_dot = t2_bar * x_dot
    # line 25: x_bar = x_bar + t2_bar * t1
    t5 = t2_bar * t1
    t5_dot = t2_bar * t1_dot
    x_bar_dot = x_bar_dot + t5_dot
    x_bar = x_bar + t5
    # line 27: x_bar = x_bar + t1_bar * x
    t6 = t1_bar * x
    t6_dot = x * t1_bar_dot + t1_bar * x_dot
    x_bar_dot = x_bar_dot + t6_dot
    x_bar = x_bar + t6
    # line 28: x_bar = x_bar + t1_bar * x
    t7 = t1_bar * x
    t7_dot = x * t1_bar_dot + t1_bar * x_dot
    x_bar_dot = x_bar_dot + t7_dot
    x_bar = x_bar + t7
    return x_bar, broadcast_like(x_bar_dot, x_bar)
