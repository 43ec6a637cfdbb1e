import numpy as np
from tangent_ad.runtime import seed_adjoint, unbroadcast


def with_metrics_vjp_forward(w, x):
    """Forward sweep of with_metrics (golden_pytrees.py, line 25) for its vector-Jacobian product.

    Returns ((loss, y), saved): the value, and what with_metrics_vjp_backward needs to send adjoints back to w.
    """
    pred = w * x
    # line 27: loss = np.sum(pred ** 2)
    t1 = pred ** 2
    loss = np.sum(t1)
    # line 28: return loss, {"mean": np.mean(pred), "largest": np.max(pred)}
    y = {'mean': np.mean(pred), 'largest': np.max(pred)}
    return (loss, y), (loss, pred, x, w)


def with_metrics_vjp_backward(saved, loss_bar=1.0, y_bar=1.0):
    """Reverse sweep of with_metrics: given what with_metrics_vjp_forward saved and the adjoint loss_bar, y_bar of the output, returns (w_bar,).

    It can run any number of times on the same saved values.
    """
    loss, pred, x, w, = saved
    # reverse sweep
    loss_bar = seed_adjoint(loss, loss_bar)
    # loss = np.sum(t1)
    t1_bar = loss_bar    # the same number for every element of t1
    # t1 = pred ** 2
    pred_bar = t1_bar * (2 * pred)
    # pred = w * x
    pred_bar *= x
    w_bar = unbroadcast(pred_bar, w)
    return w_bar,
