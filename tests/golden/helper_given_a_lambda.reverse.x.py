import numpy as np
from tangent_ad.runtime import index_adjoint, scalar_seed, sum_adjoint, unbroadcast


def helper_given_a_lambda_grad(x, y_bar=1.0):
    """Reverse mode (adjoints) of helper_given_a_lambda (golden_comprehensions.py, line 40) with respect to x.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns x_bar.
    """
    # forward sweep
    # line 42: return np.sum(apply(sq, x)) + np.sum(apply(lambda t: np.sin(t) * x[0], x))
    t1 = x ** 2
    scaled = t1 * 2.0
    t2 = scaled + x
    # not needed for the gradient: first = np.sum(t2)
    t3 = np.sin(x)
    t4 = x[0]
    t5 = t3 * t4
    scaled2 = t5 * 2.0
    t6 = scaled2 + x
    # not needed for the gradient: t7 = np.sum(t6)
    # not needed for the gradient: y = first + t7
    # reverse sweep
    y_bar = scalar_seed(y_bar)
    # y = first + t7
    first_bar = y_bar
    t7_bar = y_bar
    # t7 = np.sum(t6)
    t6_bar = sum_adjoint(t7_bar, t6)
    # t6 = scaled2 + x
    scaled2_bar = t6_bar
    x_bar = unbroadcast(t6_bar, x)
    # scaled2 = t5 * 2.0
    t5_bar = scaled2_bar * 2.0
    # t5 = t3 * t4
    t3_bar = unbroadcast(t5_bar * t4, x)
    t4_bar = unbroadcast(t5_bar * t3, t4)
    # t4 = x[0]
    x_bar = x_bar + index_adjoint(t4_bar, x, 0)
    # t3 = np.sin(x)
    x_bar += t3_bar * np.cos(x)
    # first = np.sum(t2)
    t2_bar = sum_adjoint(first_bar, t2)
    # t2 = scaled + x
    scaled_bar = t2_bar
    x_bar += t2_bar
    # scaled = t1 * 2.0
    t1_bar = scaled_bar * 2.0
    # t1 = x ** 2
    x_bar += t1_bar * (2 * x)
    return x_bar
