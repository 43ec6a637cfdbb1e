import numpy as np
from golden_more import softplus
from tangent_ad.runtime import reusable, scalar_seed, seed_adjoint, sum_adjoint, unbroadcast


def uses_softplus_grad(x, w, y_bar=1.0):
    """Reverse mode (adjoints) of uses_softplus (golden_more.py, line 44) with respect to x.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns x_bar.
    """
    # forward sweep
    # line 45: return np.sum(softplus(x * w) * x)
    t1 = x * w
    t2 = softplus(t1)
    t3 = t2 * x
    # not needed for the gradient: y = np.sum(t3)
    # reverse sweep
    y_bar = scalar_seed(y_bar)
    # y = np.sum(t3)
    t3_bar = sum_adjoint(y_bar, t3)
    # t3 = t2 * x
    t2_bar = unbroadcast(t3_bar * x, t2)
    t3_bar *= t2
    x_bar = unbroadcast(t3_bar, x)
    # t2 = softplus(t1)
    t1_bar_from_softplus = softplus_grad(t1, y_bar=t2_bar)
    t1_bar = t1_bar_from_softplus
    # t1 = x * w
    x_bar += unbroadcast(t1_bar * w, x)
    return x_bar


def softplus_grad(a, y_bar=1.0):
    """Reverse mode (adjoints) of softplus (golden_more.py, line 40) with respect to a.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns a_bar.
    """
    # forward sweep
    # line 41: return np.log(1.0 + np.exp(a))
    t1 = np.exp(a)
    t2 = 1.0 + t1
    y = np.log(t2)
    # reverse sweep
    y_bar = seed_adjoint(y, y_bar)
    # y = np.log(t2)
    t2_bar = np.divide(y_bar, t2, out=reusable(t2))    # t2 is not read again: its array holds the result
    # t2 = 1.0 + t1
    t1_bar = t2_bar
    # t1 = np.exp(a)
    t1_bar *= t1
    a_bar = t1_bar
    return a_bar
