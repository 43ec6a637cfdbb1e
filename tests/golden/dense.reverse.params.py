from tangent_ad.runtime import matmul_adjoint_right, scalar_seed, unbroadcast


def dense_grad(params_W, params_b, x, y_bar=1.0):
    """Reverse mode (adjoints) of dense (golden_pytrees.py, line 14) with respect to params_W, params_b.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns (params_W_bar, params_b_bar).
    """
    # forward sweep
    # line 15: W, b = params["W"], params["b"]
    W = params_W
    b = params_b
    # line 16: return np.sum((x @ W + b) ** 2)
    t1 = x @ W
    t2 = t1 + b
    # not needed for the gradient: t3 = t2 ** 2
    # not needed for the gradient: y = np.sum(t3)
    # reverse sweep
    y_bar = scalar_seed(y_bar)
    # y = np.sum(t3)
    t3_bar = y_bar    # the same number for every element of t3
    # t3 = t2 ** 2
    t2_bar = t3_bar * (2 * t2)
    # t2 = t1 + b
    t1_bar = unbroadcast(t2_bar, t1)
    b_bar = unbroadcast(t2_bar, params_b)
    # t1 = x @ W
    W_bar = matmul_adjoint_right(t1_bar, x, W)
    # b = params_b
    params_b_bar = b_bar
    # W = params_W
    params_W_bar = W_bar
    return params_W_bar, params_b_bar
