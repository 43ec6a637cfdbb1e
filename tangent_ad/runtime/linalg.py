"""Derivatives of products and of linear algebra (matmul, dot, solve, inv, det, cholesky, ...), gathered.

Each job has a module of its own: ``matmul`` (``a @ b``), ``products`` (dot, inner,
outer, tensordot, vdot), ``einsum``, ``matrix_functions`` (inv, solve, det, slogdet,
cholesky, matrix_power) and ``norms``. This module names them all in one place.
"""
from .einsum import einsum_adjoint
from .matmul import matmul_adjoint_left, matmul_adjoint_left_sum, matmul_adjoint_right, matmul_adjoint_right_sum
from .matrix_functions import (cholesky_adjoint, cholesky_tangent, det_adjoint, det_tangent, inv_adjoint,
                               logdet_adjoint, logdet_tangent, matrix_power_adjoint, matrix_power_tangent,
                               solve_adjoint_a, solve_adjoint_b)
from .norms import norm_adjoint, norm_tangent, vector_norm_adjoint, vector_norm_tangent
from .products import (dot_adjoint_left, dot_adjoint_right, inner_adjoint_left, inner_adjoint_right,
                       outer_adjoint_left, outer_adjoint_right, tensordot_adjoint_left, tensordot_adjoint_right,
                       multi_dot_adjoint, vdot_adjoint, vecdot_adjoint, vecdot_tangent)

__all__ = [
    'matmul_adjoint_left', 'matmul_adjoint_right', 'matmul_adjoint_left_sum', 'matmul_adjoint_right_sum',
    'dot_adjoint_left', 'dot_adjoint_right', 'inner_adjoint_left', 'inner_adjoint_right',
    'outer_adjoint_left', 'outer_adjoint_right', 'tensordot_adjoint_left', 'tensordot_adjoint_right',
    'einsum_adjoint', 'vdot_adjoint', 'inv_adjoint', 'solve_adjoint_a', 'solve_adjoint_b',
    'det_tangent', 'det_adjoint', 'logdet_tangent', 'logdet_adjoint',
    'cholesky_tangent', 'cholesky_adjoint', 'norm_tangent', 'norm_adjoint',
    'multi_dot_adjoint', 'vector_norm_tangent', 'vector_norm_adjoint', 'vecdot_tangent', 'vecdot_adjoint', 'matrix_power_tangent', 'matrix_power_adjoint',
]
