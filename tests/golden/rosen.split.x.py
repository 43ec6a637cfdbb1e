import numpy as np
from tangent_ad.runtime import index_accumulate, index_adjoint, seed_adjoint, sum_adjoint, unbroadcast


def rosen_vjp_forward(x):
    """Forward sweep of rosen (golden_more.py, line 54) for its vector-Jacobian product.

    Returns (y, saved): the value, and what rosen_vjp_backward needs to send adjoints back to x.
    """
    # line 55: return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    t1 = x[1:]
    t2 = x[:-1]
    t3 = t2 ** 2
    t4 = t1 - t3
    t5 = t4 ** 2
    t6 = 100.0 * t5
    t7 = x[:-1]
    t8 = 1.0 - t7
    t9 = t8 ** 2
    t10 = t6 + t9
    y = np.sum(t10)
    return y, (y, t10, t4, t7, t8, x, t1, t2)


def rosen_vjp_backward(saved, y_bar=1.0):
    """Reverse sweep of rosen: given what rosen_vjp_forward saved and the adjoint y_bar of the output, returns (x_bar,).

    It can run any number of times on the same saved values.
    """
    y, t10, t4, t7, t8, x, t1, t2, = saved
    # reverse sweep
    y_bar = seed_adjoint(y, y_bar)
    # y = np.sum(t10)
    t10_bar = sum_adjoint(y_bar, t10)
    # t10 = t6 + t9
    t6_bar = unbroadcast(t10_bar, t4)
    t9_bar = unbroadcast(t10_bar, t7)
    # t9 = t8 ** 2
    t8_bar = t9_bar * (2 * t8)
    # t8 = 1.0 - t7
    t7_bar = -t8_bar
    # t7 = x[:-1]
    x_bar = index_adjoint(t7_bar, x, np.s_[:-1])
    # t6 = 100.0 * t5
    t5_bar = t6_bar * 100.0
    # t5 = t4 ** 2
    t4_bar = t5_bar * (2 * t4)
    # t4 = t1 - t3
    t1_bar = unbroadcast(t4_bar, t1)
    t3_bar = unbroadcast(-t4_bar, t2)
    # t3 = t2 ** 2
    t2_bar = t3_bar * (2 * t2)
    # t2 = x[:-1]
    index_accumulate(x_bar, t2_bar, np.s_[:-1])
    # t1 = x[1:]
    index_accumulate(x_bar, t1_bar, np.s_[1:])
    return x_bar,
