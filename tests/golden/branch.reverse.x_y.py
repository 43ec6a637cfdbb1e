import numpy as np
from tangent_ad.runtime import seed_adjoint, unbroadcast


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
    out = z * x
    # reverse sweep
    out_bar = seed_adjoint(out, out_bar)
    # out = z * x
    z_bar = out_bar * x
    x_bar = unbroadcast(out_bar * z, x)
    if cond:
        # z = x * t1
        x_bar = x_bar + unbroadcast(z_bar * t1, x)
        t1_bar = unbroadcast(z_bar * x, y)
        # t1 = np.sin(y)
        y_bar = t1_bar * np.cos(y)
    else:
        # z = y * t2
        y_bar = unbroadcast(z_bar * t2, y)
        t2_bar = unbroadcast(z_bar * y, x)
        # t2 = np.cos(x)
        x_bar = x_bar + -(t2_bar * np.sin(x))
    return x_bar, y_bar
