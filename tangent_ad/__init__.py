"""tangent_ad: source-to-source automatic differentiation for Python and NumPy.

It reads a function's source, writes readable Python for its forward-mode
(tangent) and reverse-mode (adjoint) derivatives, and runs that code.

>>> import tangent_ad as tad
>>> from tangent_ad._doc_examples import poly
>>> f = tad.differentiate(poly)
>>> f(3.0, 2.0), f.grad(3.0, 2.0)
(5.0, 6.0)
"""
from .api import derivative, grad, jvp, source, value_and_grad, vjp
from .decorator import Differentiable, differentiate
from .checks import check_grad, numerical_grad
from .errors import CompileError, InternalError, TransformError
from .teaching.explain import explain
from .higher import hessian, hvp, jacfwd, jacrev
from .highlighting import highlight
from .teaching.graph import graph
from .teaching.stages import stages
from .rules.custom import custom_rule, registered as registered_rule
from .selfcheck import CheckError

__version__ = "0.1.0"

__all__ = [
    "CheckError", "CompileError", "Differentiable", "InternalError", "TransformError", "check_grad", "custom_rule", "derivative",
    "differentiate", "explain", "grad", "graph", "hessian", "highlight", "hvp", "jacfwd", "jacrev", "jvp", "numerical_grad",
    "registered_rule", "source", "stages", "value_and_grad", "vjp",
]
