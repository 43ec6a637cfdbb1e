import numpy as np
from tangent_ad.runtime import broadcast_like


def running_products_jvp(x, x_dot=1.0):
    """Forward mode (tangents) of running_products (golden_more.py, line 135) with respect to x.

    Given the tangent x_dot, returns (y, y_dot): the value of running_products and its tangent.
    """
    # line 137: ys = [x[0]]
    t1 = x[0]
    t1_dot = broadcast_like(x_dot, x)[0]
    ys = [t1]
    ys_dot = [t1_dot]
    for i in range(1, len(x)):
        # line 139: ys.append(ys[-1] * x[i])
        t2 = ys[-1]
        t2_dot = ys_dot[-1]
        t3 = x[i]
        t3_dot = broadcast_like(x_dot, x)[i]
        t4 = t2 * t3
        t4_dot = t3 * t2_dot + t2 * t3_dot
        ys_dot = ys_dot + [t4_dot]
        ys = ys + [t4]
    # line 140: return np.sum(np.stack(ys))
    t5 = np.stack(ys)
    t5_dot = np.stack(ys_dot)
    y = np.sum(t5)
    y_dot = np.sum(t5_dot)
    return y, y_dot
