def z_grad(x, y, out_bar=1.0):
    """Reverse mode (adjoints) of z (seed.py, line 26) with respect to x, y.

    Given out_bar, the adjoint of the output out (1.0 for a scalar), returns (x_bar, y_bar).
    """
    # forward sweep
    # line 28: return (x + y) ** 2
    t1 = x + y
    # not needed for the gradient: out = t1 ** 2
    # reverse sweep
    # out = t1 ** 2
    t1_bar = out_bar * (2 * t1)
    # t1 = x + y
    x_bar = t1_bar
    y_bar = t1_bar
    return x_bar, y_bar
