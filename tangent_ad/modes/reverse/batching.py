"""Adding up a loop's matmul adjoints in one matrix product after the loop.

In a loop computing ``W @ h`` the reverse sweep would add one outer product into
``W_bar`` per iteration. Instead it collects the pairs and sums them once, the way an
RNN gradient is written by hand::

    W_bar_terms = []    # W_bar adds up their products after the loop, in one matrix product
    for _ in range(iterations):
        ...
        W_bar_terms.append((t2_bar, h))
    W_bar += matmul_adjoint_left_sum(W_bar_terms, W)

Only for an input's adjoint that the sweep zeroed right before the loop and only adds to
(``Memory.in_place``), so nothing reads it inside the loop.
"""
import ast

from .trees import loads

SUMMED = {"matmul_adjoint_left": "matmul_adjoint_left_sum", "matmul_adjoint_right": "matmul_adjoint_right_sum"}


class Batches:
    """The lists of terms of the loop being emitted: var -> (list name, summing function).

    Each line comes with the names it reads: ``(text, reads)``."""

    def __init__(self, names, bar):
        self.names = names
        self.bar = bar
        self.lists = {}

    def append(self, var, tree):
        """``W_bar_terms.append((g, h))`` for the contribution ``tree`` =
        ``matmul_adjoint_left(g, W, h)`` with ``W`` = ``var``; None for any other contribution."""
        call = _call(tree)
        if call is None:
            return None
        func, (g, a, b) = call
        operand, other = (a, b) if func == "matmul_adjoint_left" else (b, a)
        if not (isinstance(operand, ast.Name) and operand.id == var):
            return None
        if var not in self.lists:
            self.lists[var] = (self.names.fresh(f"{self.bar(var)}_terms"), SUMMED[func])
        terms, summing = self.lists[var]
        if summing != SUMMED[func]:          # W @ h and h @ W in one loop: added as they come
            return None
        return f"{terms}.append(({ast.unparse(g)}, {ast.unparse(other)}))", (terms, *loads(g), *loads(other))

    def opening_lines(self, where="loop"):
        return [(f"{terms} = []    # {self.bar(var)} adds up their products after the {where}, "
                 "in one matrix product", ()) for var, (terms, _) in sorted(self.lists.items())]

    def closing_lines(self):
        return [(f"{self.bar(var)} += {summing}({terms}, {var})", (summing, terms, var))
                for var, (terms, summing) in sorted(self.lists.items())]


def _call(tree):
    """(function, argument trees) when ``tree`` is a matmul adjoint call; else None."""
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id in SUMMED \
            and not tree.keywords and len(tree.args) == 3:
        return tree.func.id, tree.args
    return None
