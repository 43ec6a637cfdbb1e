"""Adjoints of operations that move elements around (reshape, transpose, flip, concatenate, ...), gathered.

Each job has a module of its own: ``axes`` (reshape, transpose, swapaxes, moveaxis,
flip, roll), ``joining`` (concatenate, stack, dstack, split, tile, repeat), ``diagonals``
(diagonal, diag, trace, tril, triu), ``gathering`` (pad, take) and ``casts``
(astype). This module names them all in one place.
"""
from .axes import flip_adjoint, moveaxis_adjoint, reshape_adjoint, roll_adjoint, swapaxes_adjoint, transpose_adjoint
from .casts import cast_adjoint, cast_tangent
from .diagonals import diag_adjoint, diagonal_adjoint, trace_adjoint, tril_adjoint, triu_adjoint
from .gathering import pad_adjoint, pad_tangent, take_adjoint
from .joining import (concatenate_adjoint, dstack_adjoint, hstack_adjoint, repeat_adjoint, split_adjoint,
                      stack_adjoint, tile_adjoint, vstack_adjoint)

__all__ = ['reshape_adjoint', 'transpose_adjoint', 'swapaxes_adjoint', 'moveaxis_adjoint',
           'concatenate_adjoint', 'stack_adjoint', 'hstack_adjoint', 'vstack_adjoint', 'dstack_adjoint',
           'split_adjoint', 'tile_adjoint', 'repeat_adjoint', 'flip_adjoint', 'roll_adjoint',
           'diag_adjoint', 'diagonal_adjoint', 'trace_adjoint', 'tril_adjoint', 'triu_adjoint',
           'pad_tangent', 'pad_adjoint', 'cast_tangent', 'cast_adjoint', 'take_adjoint']
