import numpy as np
from tangent_ad.runtime import seed_adjoint


def loop_grad(x, n, y_bar=1.0):
    """Reverse mode (adjoints) of loop (seed.py, line 31) with respect to x.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns x_bar.
    """
    tape = []
    # forward sweep
    i = 0
    iterations = 0
    while i < n:
        # line 35: if x > 0:
        cond = x > 0
        if cond:
            # line 36: x = x - 0.1 * np.sin(x)
            t2 = np.sin(x)
            tape.append(x)
            t1 = 0.1 * t2
            x = x - t1
        else:
            # line 38: x = x + 0.1 * x * x
            t4 = 0.1 * x
            t3 = t4 * x
            tape.append(x)
            tape.append(t4)
            x = x + t3
        tape.append(cond)
        i += 1
        iterations += 1
    # line 40: return x
    y = x
    # reverse sweep
    y_bar = seed_adjoint(y, y_bar)
    # y = x
    x_bar = y_bar
    for _ in range(iterations):
        cond = tape.pop()
        if cond:
            # x = x - t1
            t1_bar = -x_bar
            # t1 = 0.1 * t2
            t2_bar = t1_bar * 0.1
            # t2 = np.sin(x)
            x = tape.pop()
            x_bar = x_bar + t2_bar * np.cos(x)
        else:
            # x = x + t3
            t3_bar = x_bar
            # t3 = t4 * x
            t4 = tape.pop()
            x = tape.pop()
            t4_bar = t3_bar * x
            x_bar = x_bar + t3_bar * t4
            # t4 = 0.1 * x
            x_bar = x_bar + t4_bar * 0.1
    return x_bar
