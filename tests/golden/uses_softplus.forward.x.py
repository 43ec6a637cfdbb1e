import numpy as np
from tangent_ad.runtime import broadcast_like


def uses_softplus_jvp(x, w, x_dot=1.0):
    """Forward mode (tangents) of uses_softplus (golden_more.py, line 44) with respect to x.

    Given the tangent x_dot, returns (y, y_dot): the value of uses_softplus and its tangent.
    """
    # line 45: return np.sum(softplus(x * w) * x)
    t1 = x * w
    t1_dot = w * x_dot
    t2, t2_dot = softplus_jvp(t1, a_dot=t1_dot)
    t3 = t2 * x
    t3_dot = x * t2_dot + t2 * x_dot
    y = np.sum(t3)
    y_dot = np.sum(broadcast_like(t3_dot, t3))
    return y, y_dot


def softplus_jvp(a, a_dot=1.0):
    """Forward mode (tangents) of softplus (golden_more.py, line 40) with respect to a.

    Given the tangent a_dot, returns (y, y_dot): the value of softplus and its tangent.
    """
    # line 41: return np.log(1.0 + np.exp(a))
    t1 = np.exp(a)
    t1_dot = t1 * a_dot
    t2 = 1.0 + t1
    t2_dot = t1_dot
    y = np.log(t2)
    y_dot = 1 / t2 * t2_dot
    return y, y_dot
