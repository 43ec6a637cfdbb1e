import numpy as np
from tangent_ad.runtime import matmul_adjoint_left, matmul_adjoint_right, reusable, scalar_seed, sum_adjoint, unbroadcast


def layers_grad(params_0_0, params_0_1, params_1_0, params_1_1, x, y_bar=1.0):
    """Reverse mode (adjoints) of layers (golden_pytrees.py, line 19) with respect to params_0_0, params_0_1, params_1_0, params_1_1.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns (params_0_0_bar, params_0_1_bar, params_1_0_bar, params_1_1_bar).
    """
    # forward sweep
    # line 20: (W1, b1), (W2, b2) = params
    W1 = params_0_0
    b1 = params_0_1
    W2 = params_1_0
    b2 = params_1_1
    # line 21: h = np.tanh(x @ W1 + b1)
    t1 = x @ W1
    t2 = t1 + b1
    h = np.tanh(t2, out=reusable(t2))    # t2 is not read again: its array holds the result
    # line 22: return np.sum(h @ W2 + b2)
    t3 = h @ W2
    t4 = t3 + b2
    # not needed for the gradient: y = np.sum(t4)
    # reverse sweep
    y_bar = scalar_seed(y_bar)
    # y = np.sum(t4)
    t4_bar = sum_adjoint(y_bar, t4)
    # t4 = t3 + b2
    t3_bar = unbroadcast(t4_bar, t3)
    b2_bar = unbroadcast(t4_bar, params_1_1)
    # t3 = h @ W2
    h_bar = matmul_adjoint_left(t3_bar, h, W2)
    W2_bar = matmul_adjoint_right(t3_bar, h, W2)
    # h = np.tanh(t2)
    t2_bar = h_bar * (1 - h ** 2)
    # t2 = t1 + b1
    t1_bar = unbroadcast(t2_bar, t1)
    b1_bar = unbroadcast(t2_bar, params_0_1)
    # t1 = x @ W1
    W1_bar = matmul_adjoint_right(t1_bar, x, W1)
    # b2 = params_1_1
    params_1_1_bar = b2_bar
    # W2 = params_1_0
    params_1_0_bar = W2_bar
    # b1 = params_0_1
    params_0_1_bar = b1_bar
    # W1 = params_0_0
    params_0_0_bar = W1_bar
    return params_0_0_bar, params_0_1_bar, params_1_0_bar, params_1_1_bar
