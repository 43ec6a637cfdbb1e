from tangent_ad.runtime import index_accumulate, seed_adjoint, unbroadcast, zeros_like


def sum_of_squares_grad(x, n, total_bar=1.0):
    """Reverse mode (adjoints) of sum_of_squares (golden_comprehensions.py, line 14) with respect to x.

    Given total_bar, the adjoint of the output total (1.0 for a scalar), returns x_bar.
    """
    tape = []
    # forward sweep
    # line 15: return sum(x[i] ** 2 for i in range(n) if i != 1)
    total = 0
    for i in range(n):
        cond = i != 1
        if cond:
            t1 = x[i]
            t2 = t1 ** 2
            tape.append(total)
            total = total + t2
            tape.append(t1)
        tape.append(cond)
    # reverse sweep
    total_bar = seed_adjoint(total, total_bar)
    x_bar = zeros_like(x)
    for i in reversed(range(n)):
        cond = tape.pop()
        if cond:
            # total = total + t2
            t1 = tape.pop()
            total = tape.pop()
            t2_bar = unbroadcast(total_bar, t1)
            total_bar = unbroadcast(total_bar, total)
            # t2 = t1 ** 2
            t1_bar = t2_bar * (2 * t1)
            # t1 = x[i]
            index_accumulate(x_bar, t1_bar, i)
    return x_bar
