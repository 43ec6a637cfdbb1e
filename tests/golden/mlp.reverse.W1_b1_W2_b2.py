import numpy as np
from tangent_ad.runtime import matmul_adjoint_left, matmul_adjoint_right, reusable, scalar_seed, size_of, unbroadcast


def mlp_grad(W1, b1, W2, b2, X, Y, y_bar=1.0):
    """Reverse mode (adjoints) of mlp (golden_more.py, line 34) with respect to W1, b1, W2, b2.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns (W1_bar, b1_bar, W2_bar, b2_bar).
    """
    # forward sweep
    # line 35: hidden = np.tanh(X @ W1 + b1)
    t1 = X @ W1
    t2 = t1 + b1
    hidden = np.tanh(t2, out=reusable(t2))    # t2 is not read again: its array holds the result
    # line 36: out = hidden @ W2 + b2
    t3 = hidden @ W2
    out = t3 + b2
    # line 37: return np.mean((out - Y) ** 2)
    t4 = out - Y
    # not needed for the gradient: t5 = t4 ** 2
    # not needed for the gradient: y = np.mean(t5)
    # reverse sweep
    y_bar = scalar_seed(y_bar)
    # y = np.mean(t5)
    t5_bar = y_bar / size_of(t4)    # the same number for every element of t5
    # t5 = t4 ** 2
    t4_bar = t5_bar * (2 * t4)
    # t4 = out - Y
    out_bar = unbroadcast(t4_bar, out)
    # out = t3 + b2
    t3_bar = unbroadcast(out_bar, t3)
    b2_bar = unbroadcast(out_bar, b2)
    # t3 = hidden @ W2
    hidden_bar = matmul_adjoint_left(t3_bar, hidden, W2)
    W2_bar = matmul_adjoint_right(t3_bar, hidden, W2)
    # hidden = np.tanh(t2)
    t2_bar = hidden_bar * (1 - hidden ** 2)
    # t2 = t1 + b1
    t1_bar = unbroadcast(t2_bar, t1)
    b1_bar = unbroadcast(t2_bar, b1)
    # t1 = X @ W1
    W1_bar = matmul_adjoint_right(t1_bar, X, W1)
    return W1_bar, b1_bar, W2_bar, b2_bar
