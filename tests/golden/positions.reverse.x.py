import numpy as np
from tangent_ad.runtime import index_accumulate, index_adjoint, seed_adjoint, unbroadcast, zeros_like


def positions_grad(x, w, s_bar=1.0):
    """Reverse mode (adjoints) of positions (golden_more.py, line 63) with respect to x.

    Given s_bar, the adjoint of the output s (1.0 for a scalar), returns x_bar.
    """
    tape = []
    # forward sweep
    s = 0.0
    # line 65: for i, v in enumerate(x):
    for i in range(len(x)):
        v = x[i]
        # line 66: s = s + i * v * v
        t1 = i * v
        t2 = t1 * v
        tape.append(v)
        tape.append(t1)
        tape.append(s)
        s = s + t2
        tape.append(t2)
    # line 67: for a, b in zip(x, w):
    for a_b_index in range(min(len(x), len(w))):
        a = x[a_b_index]
        b = w[a_b_index]
        # line 68: s = s + max(a, b) * b
        t3 = max(a, b)
        tape.append(a)
        t4 = t3 * b
        tape.append(b)
        tape.append(s)
        s = s + t4
        tape.append(t4)
    # reverse sweep
    s_bar = seed_adjoint(s, s_bar)
    x_bar = zeros_like(x)
    for a_b_index in reversed(range(min(len(x), len(w)))):
        # s = s + t4
        t4 = tape.pop()
        s = tape.pop()
        t4_bar = unbroadcast(s_bar, t4)
        s_bar = unbroadcast(s_bar, s)
        # t4 = t3 * b
        b = tape.pop()
        t3_bar = t4_bar * b
        # t3 = max(a, b)
        a = tape.pop()
        a_bar = unbroadcast(t3_bar * (0.5 + 0.5 * np.sign(a - b)), a)
        # a = x[a_b_index]
        index_accumulate(x_bar, a_bar, a_b_index)
    for i in reversed(range(len(x))):
        # s = s + t2
        t2 = tape.pop()
        s = tape.pop()
        t2_bar = unbroadcast(s_bar, t2)
        s_bar = unbroadcast(s_bar, s)
        # t2 = t1 * v
        t1 = tape.pop()
        v = tape.pop()
        t1_bar = t2_bar * v
        v_bar = t2_bar * t1
        # t1 = i * v
        v_bar = v_bar + t1_bar * i
        # v = x[i]
        x_bar = x_bar + index_adjoint(v_bar, x, i)
    return x_bar
