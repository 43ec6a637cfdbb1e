import numpy as np


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
            t1 = np.sin(x)
            tape.append(x)
            t2 = 0.1 * t1
            x = x - t2
        else:
            # line 38: x = x + 0.1 * x * x
            t3 = 0.1 * x
            t4 = t3 * x
            tape.append(x)
            tape.append(t3)
            x = x + t4
        tape.append(cond)
        i += 1
        iterations += 1
    # line 40: return x
    # not needed for the gradient: y = x
    # reverse sweep
    # y = x
    x_bar = y_bar
    for _ in range(iterations):
        cond = tape.pop()
        if cond:
            # x = x - t2
            t2_bar = -x_bar
            # t2 = 0.1 * t1
            t1_bar = t2_bar * 0.1
            # t1 = np.sin(x)
            x = tape.pop()
            x_bar = x_bar + t1_bar * np.cos(x)
        else:
            # x = x + t4
            t4_bar = x_bar
            # t4 = t3 * x
            t3 = tape.pop()
            x = tape.pop()
            t3_bar = t4_bar * x
            x_bar = x_bar + t4_bar * t3
            # t3 = 0.1 * x
            x_bar = x_bar + t3_bar * 0.1
    return x_bar
