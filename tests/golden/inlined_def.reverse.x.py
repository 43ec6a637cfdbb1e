from tangent_ad.runtime import scalar_seed


def nested_def_grad(x, y_bar=1.0):
    """Reverse mode (adjoints) of nested_def (golden_comprehensions.py, line 28) with respect to x.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns x_bar.
    """
    # forward sweep
    # line 30: s = v * 2.0
    s = x * 2.0
    # line 31: return np.sum(s * v)
    t1 = s * x
    # not needed for the gradient: first = np.sum(t1)
    # line 32: return energy(x) + energy(x + 1.0)
    v = x + 1.0
    # line 30: s = v * 2.0
    s2 = v * 2.0
    # line 32: return energy(x) + energy(x + 1.0)
    t2 = s2 * v
    # not needed for the gradient: t3 = np.sum(t2)
    # not needed for the gradient: y = first + t3
    # reverse sweep
    y_bar = scalar_seed(y_bar)
    # y = first + t3
    first_bar = y_bar
    t3_bar = y_bar
    # t3 = np.sum(t2)
    t2_bar = t3_bar    # the same number for every element of t2
    # t2 = s2 * v
    s2_bar = t2_bar * v
    v_bar = t2_bar * s2
    # s2 = v * 2.0
    s2_bar *= 2.0
    v_bar += s2_bar
    # v = x + 1.0
    x_bar = v_bar
    # first = np.sum(t1)
    t1_bar = first_bar    # the same number for every element of t1
    # t1 = s * x
    s_bar = t1_bar * x
    x_bar += t1_bar * s
    # s = x * 2.0
    s_bar *= 2.0
    x_bar += s_bar
    return x_bar
