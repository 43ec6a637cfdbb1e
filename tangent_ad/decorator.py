"""``@tad.differentiate``: a function that calls as before, with its derivatives attached.

>>> import tangent_ad as tad
>>> from tangent_ad._doc_examples import poly
>>> f = tad.differentiate(poly, wrt=(0, 1))
>>> f(3.0, 2.0), f.grad(3.0, 2.0)
(5.0, (6.0, -4.0))
"""
import functools
import types

from .api import derivative, grad, jvp, value_and_grad, vjp
from .compiled import backend_name
from .highlighting import highlight
from .targets import check_mode, checkpoint_option


class Differentiable:
    """A function decorated with :func:`differentiate`: calls like ``f``, with derivatives attached."""

    _tangent_ad_decorated = True      # targets.target differentiates the function it decorates

    def __init__(self, f, mode="reverse", wrt=0, checkpoint=None, check=False, has_aux=False, compile=False):
        check_mode(mode)
        backend_name(compile)          # an unknown backend is refused here, not at the first call
        functools.update_wrapper(self, f)
        self.__wrapped__ = f
        self.mode = mode
        self.wrt = wrt
        self.checkpoint = checkpoint_option(checkpoint)
        self.check = bool(check)       # compare each derivative with central differences
        self.has_aux = bool(has_aux)   # f returns (value, aux): .grad gives (gradient, aux)
        self.compile = compile         # compile the derivatives with Numba (see grad)
        self._grad = self._value_and_grad = None    # made on first use, then reused

    def __call__(self, *args, **kwargs):
        return self.__wrapped__(*args, **kwargs)

    def __get__(self, instance, owner):
        # on a method: the derivatives of the bound method, wrt counting the parameters after self
        if instance is None:
            return self
        return Differentiable(types.MethodType(self.__wrapped__, instance), self.mode, self.wrt,
                              self.checkpoint, self.check, self.has_aux, self.compile)

    def grad(self, *args, **kwargs):
        if self._grad is None:
            self._grad = grad(self.__wrapped__, self.wrt, self.checkpoint, self.check, self.has_aux,
                              self.compile)
        return self._grad(*args, **kwargs)

    def value_and_grad(self, *args, **kwargs):
        if self._value_and_grad is None:
            self._value_and_grad = value_and_grad(self.__wrapped__, self.wrt, self.checkpoint, self.check,
                                                  self.has_aux, self.compile)
        return self._value_and_grad(*args, **kwargs)

    def jvp(self, primals, tangents):
        return jvp(self.__wrapped__, primals, tangents, check=self.check, compile=self.compile)

    def vjp(self, *primals):
        return vjp(self.__wrapped__, *primals, check=self.check, compile=self.compile)

    def derivative(self, mode=None):
        mode = mode or self.mode
        return derivative(self.__wrapped__, mode, self.wrt, self.checkpoint if mode == "reverse" else None,
                          compile=self.compile)

    def source(self, mode=None):
        return self.derivative(mode).source

    def __repr__(self):
        return f"<differentiable {self.__wrapped__.__qualname__}>"

    def _repr_html_(self):
        """In Jupyter: the function and its derivative's source, coloured."""
        return (f"<p>{self.__wrapped__.__qualname__}, differentiable ({self.mode} mode, "
                f"wrt={self.wrt!r}):</p>" + highlight(self.source(), "html"))


def differentiate(f=None, *, mode="reverse", wrt=0, checkpoint=None, check=False, has_aux=False, compile=False):
    """Decorator: ``@differentiate`` or ``@differentiate(mode=..., wrt=..., checkpoint=..., check=...)``.

    The decorated function still is ``f``; it gains ``.grad``, ``.value_and_grad``, ``.jvp``,
    ``.vjp``, ``.derivative(mode)`` and ``.source(mode)``; ``checkpoint`` applies to its
    reverse mode (see :func:`grad`), ``has_aux=True`` to its ``.grad`` and ``.value_and_grad``
    (``f`` returns ``(value, aux)``), and ``check=True`` checks what ``.grad``,
    ``.value_and_grad``, ``.jvp`` and ``.vjp`` return against central differences, and
    ``compile=True`` compiles them all with Numba (see :func:`grad`).
    """
    if f is None:
        return lambda func: Differentiable(func, mode, wrt, checkpoint, check, has_aux, compile)
    return Differentiable(f, mode, wrt, checkpoint, check, has_aux, compile)
