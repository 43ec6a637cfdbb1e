from tangent_ad.runtime import scalar_seed


def square_sum_grad(x, y_bar=1.0):
    """Reverse mode (adjoints) of square_sum (seed.py, line 21) with respect to x.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns x_bar.
    """
    # forward sweep
    # line 23: return np.sum(x ** 2)
    # not needed for the gradient: t1 = x ** 2
    # not needed for the gradient: y = np.sum(t1)
    # reverse sweep
    y_bar = scalar_seed(y_bar)
    # y = np.sum(t1)
    t1_bar = y_bar    # the same number for every element of t1
    # t1 = x ** 2
    x_bar = t1_bar * (2 * x)
    return x_bar
