import numpy as np
from tangent_ad.runtime import gradient_like, seed_adjoint, sum_adjoint, unbroadcast


def square_sum_grad(x, y_bar=1.0):
    """Reverse mode (adjoints) of square_sum (seed.py, line 21) with respect to x.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns x_bar.
    """
    tape = []
    # forward sweep
    # line 23: return np.sum(x ** 2)
    t1 = x ** 2
    y = np.sum(t1)
    tape.append(t1)
    # reverse sweep
    y_bar = seed_adjoint(y, y_bar)
    t1_bar = x_bar = 0.0
    # y = np.sum(t1)
    t1 = tape.pop()
    t1_bar = t1_bar + sum_adjoint(y_bar, t1)
    y_bar = 0.0    # y is assigned here: its earlier value gets its own adjoint
    # t1 = x ** 2
    x_bar = x_bar + unbroadcast(t1_bar * (2 * x ** (2 - (2 != 0))), x)
    t1_bar = 0.0    # t1 is assigned here: its earlier value gets its own adjoint
    return gradient_like(x_bar, x)
