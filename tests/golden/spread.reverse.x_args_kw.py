import numpy as np
from golden_pytrees import product
from tangent_ad.runtime import seed_adjoint, sum_adjoint, unbroadcast


def spread_grad(x, args_0, args_1, kw_scale, y_bar=1.0):
    """Reverse mode (adjoints) of spread (golden_pytrees.py, line 31) with respect to x, args_0, args_1, kw_scale.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns (x_bar, args_0_bar, args_1_bar, kw_scale_bar).
    """
    # forward sweep
    # line 32: return np.sum(x * args[0]) * kw["scale"] + product(*args)
    t1 = x * args_0
    t2 = np.sum(t1)
    t3 = t2 * kw_scale
    t4 = product(args_0, args_1)
    y = t3 + t4
    # reverse sweep
    y_bar = seed_adjoint(y, y_bar)
    # y = t3 + t4
    t3_bar = unbroadcast(y_bar, t3)
    t4_bar = unbroadcast(y_bar, t4)
    # t4 = product(args_0, args_1)
    args_0_bar_from_product, args_1_bar_from_product = product_grad(args_0, args_1, y_bar=t4_bar)
    args_0_bar = args_0_bar_from_product
    args_1_bar = args_1_bar_from_product
    # t3 = t2 * kw_scale
    t2_bar = unbroadcast(t3_bar * kw_scale, t2)
    kw_scale_bar = t3_bar * t2
    # t2 = np.sum(t1)
    t1_bar = sum_adjoint(t2_bar, t1)
    # t1 = x * args_0
    x_bar = unbroadcast(t1_bar * args_0, x)
    t1_bar *= x
    args_0_bar = args_0_bar + unbroadcast(t1_bar, args_0)
    return x_bar, args_0_bar, args_1_bar, kw_scale_bar


def product_grad(a, b, y_bar=1.0):
    """Reverse mode (adjoints) of product (golden_pytrees.py, line 35) with respect to a, b.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns (a_bar, b_bar).
    """
    # forward sweep
    # line 36: return a * b
    y = a * b
    # reverse sweep
    y_bar = seed_adjoint(y, y_bar)
    # y = a * b
    a_bar = unbroadcast(y_bar * b, a)
    b_bar = unbroadcast(y_bar * a, b)
    return a_bar, b_bar
