import numpy as np
from tangent_ad.runtime import checkpoint_period, seed_adjoint


def damped_grad(x, n, y_bar=1.0):
    """Reverse mode (adjoints) of damped (golden_more.py, line 48) with respect to x.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns x_bar.
    """
    tape = []
    # forward sweep
    steps = range(n)
    period = checkpoint_period(len(steps), True)
    snapshots = []
    for start in range(0, len(steps), period):
        snapshots.append((x,))    # the loop's state before this stretch
        for i in steps[start:start + period]:
            # line 50: x = x - 0.1 * np.sin(x) * x
            t1 = np.sin(x)
            t2 = 0.1 * t1
            t3 = t2 * x
            x = x - t3
    # line 51: return x
    y = x
    # reverse sweep
    y_bar = seed_adjoint(y, y_bar)
    # y = x
    x_bar = y_bar
    for start in reversed(range(0, len(steps), period)):
        x, = snapshots.pop()    # back to the state at the stretch's start
        for i in steps[start:start + period]:    # run the stretch again, recording
            t1 = np.sin(x)
            t2 = 0.1 * t1
            t3 = t2 * x
            tape.append(x)
            tape.append(t2)
            x = x - t3
        for i in reversed(steps[start:start + period]):
            # x = x - t3
            t3_bar = -x_bar
            # t3 = t2 * x
            t2 = tape.pop()
            x = tape.pop()
            t2_bar = t3_bar * x
            x_bar = x_bar + t3_bar * t2
            # t2 = 0.1 * t1
            t1_bar = t2_bar * 0.1
            # t1 = np.sin(x)
            x_bar = x_bar + t1_bar * np.cos(x)
    return x_bar
