"""The small runtime that generated derivatives call.

Every function here works for any array library that implements NumPy's
dispatch protocols (NumPy, CuPy, ...): arrays are created only through
``*_like`` functions, NumPy functions dispatch on their arguments, and user
data is never copied to the host or converted with ``np.asarray``.

An adjoint ``g`` of an array may be the scalar ``0.0``: the reverse sweep's
placeholder for "nothing flowed back here yet". Adjoint helpers of operations
whose result is an array pass such a placeholder through (``g`` itself).
"""
from . import (arranging, containers, core, decompositions, elementwise, indexing, linalg, nan_reductions,  # noqa: F401
               reductions, sampling, scipy_special, shaping, signals, sorting)
from .arranging import *       # noqa: F401,F403
from .containers import *      # noqa: F401,F403
from .core import *          # noqa: F401,F403
from .elementwise import *   # noqa: F401,F403
from .indexing import *      # noqa: F401,F403
from .linalg import *        # noqa: F401,F403
from .reductions import *    # noqa: F401,F403
from .shaping import *       # noqa: F401,F403
from .decompositions import *  # noqa: F401,F403
from .sampling import *        # noqa: F401,F403
from .sorting import *         # noqa: F401,F403
from .scipy_special import *   # noqa: F401,F403
from .nan_reductions import *  # noqa: F401,F403
from .signals import *         # noqa: F401,F403

__all__ = core.__all__ + elementwise.__all__ + indexing.__all__ + linalg.__all__ + reductions.__all__ + shaping.__all__
__all__ += arranging.__all__ + containers.__all__ + decompositions.__all__ + sampling.__all__ + sorting.__all__ + scipy_special.__all__
__all__ += nan_reductions.__all__ + signals.__all__
