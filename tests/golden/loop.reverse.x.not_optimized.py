import numpy as np
from tangent_ad.runtime import gradient_like, seed_adjoint, unbroadcast


def loop_grad(x, n, y_bar=1.0):
    """Reverse mode (adjoints) of loop (seed.py, line 31) with respect to x.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns x_bar.
    """
    tape = []
    # forward sweep
    x_arg = x    # the argument, before x is reassigned
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
            tape.append(t1)
            tape.append(x)
            x = x - t2
            tape.append(t2)
        else:
            # line 38: x = x + 0.1 * x * x
            t3 = 0.1 * x
            tape.append(x)
            t4 = t3 * x
            tape.append(t3)
            tape.append(x)
            tape.append(x)
            x = x + t4
            tape.append(t4)
        tape.append(cond)
        i += 1
        iterations += 1
    # line 40: return x
    y = x
    # reverse sweep
    y_bar = seed_adjoint(y, y_bar)
    t1_bar = t2_bar = t3_bar = t4_bar = x_bar = 0.0
    # y = x
    x_bar = x_bar + y_bar
    y_bar = 0.0    # y is assigned here: its earlier value gets its own adjoint
    for _ in range(iterations):
        cond = tape.pop()
        if cond:
            # x = x - t2
            t2 = tape.pop()
            x = tape.pop()
            t2_bar = t2_bar + unbroadcast(x_bar * -1, t2)
            x_bar = unbroadcast(x_bar * 1, x)
            # t2 = 0.1 * t1
            t1 = tape.pop()
            t1_bar = t1_bar + unbroadcast(t2_bar * 0.1, t1)
            t2_bar = 0.0    # t2 is assigned here: its earlier value gets its own adjoint
            # t1 = np.sin(x)
            x = tape.pop()
            x_bar = x_bar + unbroadcast(t1_bar * np.cos(x), x)
            t1_bar = 0.0    # t1 is assigned here: its earlier value gets its own adjoint
        else:
            # x = x + t4
            t4 = tape.pop()
            x = tape.pop()
            t4_bar = t4_bar + unbroadcast(x_bar * 1, t4)
            x_bar = unbroadcast(x_bar * 1, x)
            # t4 = t3 * x
            x = tape.pop()
            t3 = tape.pop()
            t3_bar = t3_bar + unbroadcast(t4_bar * x, t3)
            x_bar = x_bar + unbroadcast(t4_bar * t3, x)
            t4_bar = 0.0    # t4 is assigned here: its earlier value gets its own adjoint
            # t3 = 0.1 * x
            x = tape.pop()
            x_bar = x_bar + unbroadcast(t3_bar * 0.1, x)
            t3_bar = 0.0    # t3 is assigned here: its earlier value gets its own adjoint
    return gradient_like(x_bar, x_arg)
