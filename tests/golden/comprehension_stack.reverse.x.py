import numpy as np
from tangent_ad.runtime import cotangents, head_adjoint, index_accumulate, item_adjoint, scalar_seed, stack_adjoint, sum_adjoint, zeros_like


def stacked_sines_grad(x, y_bar=1.0):
    """Reverse mode (adjoints) of stacked_sines (golden_comprehensions.py, line 18) with respect to x.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns x_bar.
    """
    tape = []
    # forward sweep
    # line 19: return np.sum(np.stack([np.sin(v) * v for v in x]))
    values = []
    for v_index in range(len(x)):
        v = x[v_index]
        t1 = np.sin(v)
        t2 = t1 * v
        tape.append(v)
        tape.append(t1)
        values = values + [t2]
    t3 = np.stack(values)
    # not needed for the gradient: y = np.sum(t3)
    # reverse sweep
    y_bar = scalar_seed(y_bar)
    # y = np.sum(t3)
    t3_bar = sum_adjoint(y_bar, t3)
    # t3 = np.stack(values)
    values_bar = cotangents([stack_adjoint(t3_bar, k) for k in range(len(values))])
    x_bar = zeros_like(x)
    for v_index in reversed(range(len(x))):
        # values = values + [t2]
        t2_bar = item_adjoint(values_bar, -1)
        values_bar = head_adjoint(values_bar, -1)
        # t2 = t1 * v
        t1 = tape.pop()
        v = tape.pop()
        t1_bar = t2_bar * v
        v_bar = t2_bar * t1
        # t1 = np.sin(v)
        v_bar = v_bar + t1_bar * np.cos(v)
        # v = x[v_index]
        index_accumulate(x_bar, v_bar, v_index)
    return x_bar
