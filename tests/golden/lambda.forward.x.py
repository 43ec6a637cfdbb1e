import numpy as np
from tangent_ad.runtime import broadcast_like


def lambda_line59_jvp(x, w=0.5, x_dot=1.0):
    """Forward mode (tangents) of lambda_line59 (golden_more.py, line 59) with respect to x.

    Given the tangent x_dot, returns (y, y_dot): the value of lambda_line59 and its tangent.
    """
    # line 59: ripple = lambda x, w=0.5: np.sum(w * np.sin(x) ** 2) + x[0] * w  # noqa: E731
    t1 = np.sin(x)
    t1_dot = np.cos(x) * x_dot
    t2 = t1 ** 2
    t2_dot = 2 * t1 * t1_dot
    t3 = w * t2
    t3_dot = w * t2_dot
    t4 = np.sum(t3)
    t4_dot = np.sum(t3_dot)
    t5 = x[0]
    t5_dot = broadcast_like(x_dot, x)[0]
    t6 = t5 * w
    t6_dot = w * t5_dot
    y = t4 + t6
    y_dot = t4_dot + t6_dot
    return y, y_dot
