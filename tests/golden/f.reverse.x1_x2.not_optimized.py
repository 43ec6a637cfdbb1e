from tangent_ad.runtime import gradient_like, seed_adjoint, unbroadcast


def f_grad(x1, x2, y_bar=1.0):
    """Reverse mode (adjoints) of f (seed.py, line 11) with respect to x1, x2.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns (x1_bar, x2_bar).
    """
    tape = []
    # forward sweep
    # line 13: return (x1 + x2) * (x1 - x2)
    t1 = x1 + x2
    t2 = x1 - x2
    y = t1 * t2
    tape.append(t1)
    tape.append(t2)
    # reverse sweep
    y_bar = seed_adjoint(y, y_bar)
    t1_bar = t2_bar = x1_bar = x2_bar = 0.0
    # y = t1 * t2
    t2 = tape.pop()
    t1 = tape.pop()
    t1_bar = t1_bar + unbroadcast(y_bar * t2, t1)
    t2_bar = t2_bar + unbroadcast(y_bar * t1, t2)
    y_bar = 0.0    # y is assigned here: its earlier value gets its own adjoint
    # t2 = x1 - x2
    x1_bar = x1_bar + unbroadcast(t2_bar * 1, x1)
    x2_bar = x2_bar + unbroadcast(t2_bar * -1, x2)
    t2_bar = 0.0    # t2 is assigned here: its earlier value gets its own adjoint
    # t1 = x1 + x2
    x1_bar = x1_bar + unbroadcast(t1_bar * 1, x1)
    x2_bar = x2_bar + unbroadcast(t1_bar * 1, x2)
    t1_bar = 0.0    # t1 is assigned here: its earlier value gets its own adjoint
    return gradient_like(x1_bar, x1), gradient_like(x2_bar, x2)
