import numpy as np
from tangent_ad.runtime import index_adjoint, seed_adjoint, sum_adjoint, unbroadcast


def lambda_line59_grad(x, w=0.5, y_bar=1.0):
    """Reverse mode (adjoints) of lambda_line59 (golden_more.py, line 59) with respect to x.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns x_bar.
    """
    # forward sweep
    # line 59: ripple = lambda x, w=0.5: np.sum(w * np.sin(x) ** 2) + x[0] * w  # noqa: E731
    t1 = np.sin(x)
    t2 = t1 ** 2
    t3 = w * t2
    t4 = np.sum(t3)
    t5 = x[0]
    t6 = t5 * w
    y = t4 + t6
    # reverse sweep
    y_bar = seed_adjoint(y, y_bar)
    # y = t4 + t6
    t4_bar = unbroadcast(y_bar, t4)
    t6_bar = y_bar
    # t6 = t5 * w
    t5_bar = unbroadcast(t6_bar * w, t5)
    # t5 = x[0]
    x_bar = index_adjoint(t5_bar, x, 0)
    # t4 = np.sum(t3)
    t3_bar = sum_adjoint(t4_bar, t3)
    # t3 = w * t2
    t3_bar *= w
    t2_bar = unbroadcast(t3_bar, x)
    # t2 = t1 ** 2
    t2_bar *= t1
    t2_bar *= 2
    t1_bar = t2_bar
    # t1 = np.sin(x)
    t1_bar *= np.cos(x)
    x_bar += t1_bar
    return x_bar
