"""Training a small neural network with gradients from tangent_ad.

Run from the repository root after installing the package:

    python -m pip install . && python examples/mlp_training.py

The data are the "two moons": two interleaved half circles of 2-D points with
noise, one per class, generated here with NumPy. The model is a multilayer
perceptron with one hidden layer of tanh units and a logistic output; the loss
is the mean binary cross-entropy. tad.grad differentiates the loss, written as
plain NumPy, with respect to all four parameter arrays at once (one forward and
one reverse sweep per step, as in the chapter's backpropagation), and gradient
descent with momentum follows it. The script checks the gradient against
central differences once, prints the loss as it falls, and the final accuracy.
"""
import argparse

import numpy as np

import tangent_ad as tad


def two_moons(n, noise, rng):
    """``n`` points in two interleaved half circles; labels 0 and 1."""
    half = n // 2
    angle = rng.uniform(0.0, np.pi, size=n)
    upper = np.stack([np.cos(angle[:half]), np.sin(angle[:half])], axis=1)
    lower = np.stack([1.0 - np.cos(angle[half:]), 0.5 - np.sin(angle[half:])], axis=1)
    points = np.concatenate([upper, lower]) + noise * rng.standard_normal((n, 2))
    labels = np.concatenate([np.zeros(half), np.ones(n - half)])
    return points, labels


def logits(W1, b1, w2, b2, X):
    hidden = np.tanh(X @ W1 + b1)          # (n, hidden)
    return hidden @ w2 + b2                # (n,)


def loss(W1, b1, w2, b2, X, y):
    """Mean binary cross-entropy of the logistic model: log(1 + exp(-z)) for label 1, log(1 + exp(z)) for 0."""
    z = logits(W1, b1, w2, b2, X)
    sign = 2.0 * y - 1.0
    return np.mean(np.logaddexp(0.0, -sign * z))


def accuracy(params, X, y):
    return float(np.mean((logits(*params, X) > 0) == (y > 0.5)))


def init(hidden, rng):
    return [rng.standard_normal((2, hidden)) * 1.0,
            np.zeros(hidden),
            rng.standard_normal(hidden) / np.sqrt(hidden),
            0.0]


def train(steps=1000, hidden=16, n=200, noise=0.1, learning_rate=0.2, momentum=0.9, seed=0,
          report_every=100, verbose=True):
    """Train; return a dict with the loss history, the accuracies and the parameters."""
    rng = np.random.default_rng(seed)
    X, y = two_moons(n, noise, rng)
    X_test, y_test = two_moons(n, noise, rng)       # fresh points from the same distribution
    params = init(hidden, rng)
    gradient = tad.grad(loss, wrt=(0, 1, 2, 3))

    # The gradient agrees with central differences (checked once, at the start).
    error = tad.check_grad(loss, *params, X, y, wrt=(0, 1, 2, 3), rtol=1e-6)
    if verbose:
        print(f"two moons: {n} points, an MLP 2 -> {hidden} (tanh) -> 1, "
              f"{sum(np.size(p) for p in params)} parameters")
        print(f"gradient check against central differences: relative error {error:.1e}")

    velocity = [np.zeros_like(p) if hasattr(p, "shape") else 0.0 for p in params]
    history = []
    start_accuracy = accuracy(params, X, y)
    for step in range(steps + 1):
        value = loss(*params, X, y)
        history.append(float(value))
        if verbose and step % report_every == 0:
            print(f"step {step:5d}   loss {value:.4f}   accuracy {accuracy(params, X, y):.3f}")
        if step == steps:
            break
        grads = gradient(*params, X, y)
        velocity = [momentum * v - learning_rate * g for v, g in zip(velocity, grads)]
        params = [p + v for p, v in zip(params, velocity)]
    final_accuracy = accuracy(params, X, y)
    test_accuracy = accuracy(params, X_test, y_test)
    if verbose:
        print(f"loss {history[0]:.4f} -> {history[-1]:.4f}; training accuracy {start_accuracy:.3f} -> "
              f"{final_accuracy:.3f}; accuracy on {n} new points {test_accuracy:.3f}")
    return {"history": history, "initial_loss": history[0], "final_loss": history[-1],
            "initial_accuracy": start_accuracy, "final_accuracy": final_accuracy,
            "test_accuracy": test_accuracy,
            "params": params, "gradient_check": error}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show-code", action="store_true", help="print the generated gradient code")
    args = parser.parse_args(argv)
    if args.show_code:
        print(tad.source(loss, mode="reverse", wrt=(0, 1, 2, 3)))
    return train(steps=args.steps, hidden=args.hidden, n=args.points, seed=args.seed,
                 report_every=max(args.steps // 10, 1))


if __name__ == "__main__":
    main()
