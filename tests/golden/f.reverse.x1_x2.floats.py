def f_grad(x1, x2, y_bar=1.0):
    """Reverse mode (adjoints) of f (seed.py, line 11) with respect to x1, x2.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns (x1_bar, x2_bar).
    """
    # forward sweep
    # line 13: return (x1 + x2) * (x1 - x2)
    t1 = x1 + x2
    t2 = x1 - x2
    # not needed for the gradient: y = t1 * t2
    # reverse sweep
    # y = t1 * t2
    t1_bar = y_bar * t2
    t2_bar = y_bar * t1
    # t2 = x1 - x2
    x1_bar = t2_bar
    x2_bar = -t2_bar
    # t1 = x1 + x2
    x1_bar = x1_bar + t1_bar
    x2_bar = x2_bar + t1_bar
    return x1_bar, x2_bar
