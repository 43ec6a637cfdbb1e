import numpy as np
from tangent_ad.runtime import cotangents, head_adjoint, index_accumulate, index_adjoint, item_adjoint, scalar_seed, stack_adjoint, sum_adjoint, unbroadcast, zeros_like


def running_products_grad(x, y_bar=1.0):
    """Reverse mode (adjoints) of running_products (golden_more.py, line 135) with respect to x.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns x_bar.
    """
    tape = []
    # forward sweep
    # line 137: ys = [x[0]]
    t1 = x[0]
    ys = [t1]
    for i in range(1, len(x)):
        # line 139: ys.append(ys[-1] * x[i])
        t2 = ys[-1]
        tape.append(ys)
        t3 = x[i]
        t4 = t2 * t3
        tape.append(t2)
        tape.append(t3)
        ys = ys + [t4]
    # line 140: return np.sum(np.stack(ys))
    t5 = np.stack(ys)
    # not needed for the gradient: y = np.sum(t5)
    # reverse sweep
    y_bar = scalar_seed(y_bar)
    # y = np.sum(t5)
    t5_bar = sum_adjoint(y_bar, t5)
    # t5 = np.stack(ys)
    ys_bar = cotangents([stack_adjoint(t5_bar, k) for k in range(len(ys))])
    x_bar = zeros_like(x)
    for i in reversed(range(1, len(x))):
        # ys = ys + [t4]
        t4_bar = item_adjoint(ys_bar, -1)
        ys_bar = head_adjoint(ys_bar, -1)
        # t4 = t2 * t3
        t3 = tape.pop()
        t2 = tape.pop()
        t2_bar = unbroadcast(t4_bar * t3, t2)
        t3_bar = unbroadcast(t4_bar * t2, t3)
        # t3 = x[i]
        index_accumulate(x_bar, t3_bar, i)
        # t2 = ys[-1]
        ys = tape.pop()
        ys_bar = ys_bar + index_adjoint(t2_bar, ys, -1)
    # ys = [t1]
    t1_bar = item_adjoint(ys_bar, 0)
    # t1 = x[0]
    x_bar = x_bar + index_adjoint(t1_bar, x, 0)
    return x_bar
