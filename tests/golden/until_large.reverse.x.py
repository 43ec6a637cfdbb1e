from tangent_ad.runtime import seed_adjoint


def until_large_grad(x, limit, y_bar=1.0):
    """Reverse mode (adjoints) of until_large (golden_more.py, line 24) with respect to x.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns x_bar.
    """
    tape = []
    # forward sweep
    i = 0
    broke = False
    # line 26: while i < 100:
    iterations = 0
    while not broke and i < 100:
        # line 27: x = x * x + 0.5
        t1 = x * x
        tape.append(x)
        x = t1 + 0.5
        if x > limit:
            # line 29: break
            broke = True
        # line 28: if x > limit:
        if not broke:
            i += 1
        iterations += 1
    # line 31: return x
    y = x
    # reverse sweep
    y_bar = seed_adjoint(y, y_bar)
    # y = x
    x_bar = y_bar
    for _ in range(iterations):
        # x = t1 + 0.5
        t1_bar = x_bar
        # t1 = x * x
        x = tape.pop()
        x_bar = t1_bar * x
        x_bar = x_bar + t1_bar * x
    return x_bar
