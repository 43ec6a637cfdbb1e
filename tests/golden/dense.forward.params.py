import numpy as np
from tangent_ad.runtime import broadcast_like


def dense_jvp(params_W, params_b, x, params_W_dot=1.0, params_b_dot=1.0):
    """Forward mode (tangents) of dense (golden_pytrees.py, line 14) with respect to params_W, params_b.

    Given the tangents params_W_dot, params_b_dot, returns (y, y_dot): the value of dense and its tangent.
    """
    # line 15: W, b = params["W"], params["b"]
    W = params_W
    W_dot = params_W_dot
    b = params_b
    b_dot = params_b_dot
    # line 16: return np.sum((x @ W + b) ** 2)
    t1 = x @ W
    t1_dot = x @ broadcast_like(W_dot, W)
    t2 = t1 + b
    t2_dot = t1_dot + b_dot
    t3 = t2 ** 2
    t3_dot = 2 * t2 * t2_dot
    y = np.sum(t3)
    y_dot = np.sum(t3_dot)
    return y, y_dot
