import numpy as np
from tangent_ad.runtime import scalar_seed


def closure_grad(x, out_bar=1.0):
    """Reverse mode (adjoints) of closure (golden_comprehensions.py, line 22) with respect to x.

    Given out_bar, the adjoint of the output out (1.0 for a scalar), returns x_bar.
    """
    # forward sweep
    y = np.sin(x)
    # line 25: return np.sum(scaled(x))
    t1 = x * y
    # not needed for the gradient: out = np.sum(t1)
    # reverse sweep
    out_bar = scalar_seed(out_bar)
    # out = np.sum(t1)
    t1_bar = out_bar    # the same number for every element of t1
    # t1 = x * y
    x_bar = t1_bar * y
    y_bar = t1_bar * x
    # y = np.sin(x)
    y_bar *= np.cos(x)
    x_bar += y_bar
    return x_bar
