from tangent_ad.runtime import gradient_like, seed_adjoint, unbroadcast


def z_grad(x, y, out_bar=1.0):
    """Reverse mode (adjoints) of z (seed.py, line 26) with respect to x, y.

    Given out_bar, the adjoint of the output out (1.0 for a scalar), returns (x_bar, y_bar).
    """
    tape = []
    # forward sweep
    # line 28: return (x + y) ** 2
    t1 = x + y
    out = t1 ** 2
    tape.append(t1)
    # reverse sweep
    out_bar = seed_adjoint(out, out_bar)
    t1_bar = x_bar = y_bar = 0.0
    # out = t1 ** 2
    t1 = tape.pop()
    t1_bar = t1_bar + unbroadcast(out_bar * (2 * t1 ** (2 - (2 != 0))), t1)
    out_bar = 0.0    # out is assigned here: its earlier value gets its own adjoint
    # t1 = x + y
    x_bar = x_bar + unbroadcast(t1_bar * 1, x)
    y_bar = y_bar + unbroadcast(t1_bar * 1, y)
    t1_bar = 0.0    # t1 is assigned here: its earlier value gets its own adjoint
    return gradient_like(x_bar, x), gradient_like(y_bar, y)
