import numpy as np


def branch_grad(x, y, out_bar=1.0):
    """Reverse mode (adjoints) of branch (golden_more.py, line 16) with respect to x, y.

    Given out_bar, the adjoint of the output out (1.0 for a scalar), returns (x_bar, y_bar).
    """
    # forward sweep
    # line 17: if x > y:
    cond = x > y
    if cond:
        # line 18: z = x * np.sin(y)
        t1 = np.sin(y)
        z = x * t1
    else:
        # line 20: z = y * np.cos(x)
        t2 = np.cos(x)
        z = y * t2
    # line 21: return z * x
    # not needed for the gradient: out = z * x
    # reverse sweep
    # out = z * x
    z_bar = out_bar * x
    x_bar = out_bar * z
    if cond:
        # z = x * t1
        x_bar = x_bar + z_bar * t1
        t1_bar = z_bar * x
        # t1 = np.sin(y)
        y_bar = t1_bar * np.cos(y)
    else:
        # z = y * t2
        y_bar = z_bar * t2
        t2_bar = z_bar * y
        # t2 = np.cos(x)
        x_bar = x_bar + -(t2_bar * np.sin(x))
    return x_bar, y_bar
