"""The clean-ups that make a derivative read like code a careful person wrote.

The plain transformation (``optimize=False``; ``tad.stages`` prints it) starts every
adjoint at zero and adds each contribution to it, puts every value the reverse sweep
reads on the tape, expands every tangent to its value's shape and folds nothing. Each
clean-up has a name, and the generators ask for it by name where they would apply it:

==========================  ==================================================================
``fold_constants``          ``1.0 * g`` is ``g``, ``0.0 * g`` leaves the sum (rules' templates)
``known_shapes``            ``unbroadcast``/``broadcast_like`` only where shapes may differ
``first_use``               an adjoint is assigned its first contribution, never built from 0.0
``tape_overwritten_only``   only values overwritten before the reverse sweep reads them are taped
``skip_unneeded``           ``grad``'s forward sweep leaves out what only the output needed
``scalar_seed``             a scalar output's seed is checked without reading the output
``loop_accumulators``       an argument's adjoint zeroed before a loop is added into in place
``reuse_memory``            adjoints updated in place; a loop's matmul terms summed after it
==========================  ==================================================================

``optimize=False`` is :meth:`Cleanups.none`. Code that forward mode will differentiate
again (the "plain twin" of a gradient) skips ``reuse_memory`` and ``loop_accumulators``:
forward mode cannot follow an array updated in place, nor a list of terms.

>>> Cleanups.for_request(optimize=True, plain=True).reuse_memory
False
>>> Cleanups.for_request(optimize=True, plain=False).enabled() == Cleanups.NAMES
True
>>> Cleanups.for_request(optimize=False, plain=False).enabled()
()
"""


class Cleanups:
    """Which clean-ups a derivative's generators apply (see the module docstring)."""

    NAMES = ("fold_constants", "known_shapes", "first_use", "tape_overwritten_only",
             "skip_unneeded", "scalar_seed", "loop_accumulators", "reuse_memory")

    def __init__(self, enabled=()):
        unknown = set(enabled) - set(self.NAMES)
        if unknown:
            raise ValueError(f"no clean-up named {', '.join(sorted(unknown))}; they are {', '.join(self.NAMES)}")
        for name in self.NAMES:
            setattr(self, name, name in enabled)

    @classmethod
    def all(cls):
        return cls(cls.NAMES)

    @classmethod
    def none(cls):
        return cls()

    @classmethod
    def for_request(cls, optimize, plain):
        """The clean-ups of a derivative asked for with ``optimize`` (and ``plain``: code that
        forward mode will differentiate again)."""
        if not optimize:
            return cls.none()
        return cls.all().without("reuse_memory", "loop_accumulators") if plain else cls.all()

    def without(self, *names):
        return Cleanups([n for n in self.enabled() if n not in names])

    def enabled(self):
        return tuple(n for n in self.NAMES if getattr(self, n))

    def __repr__(self):
        return f"Cleanups({', '.join(self.enabled()) or 'none'})"
