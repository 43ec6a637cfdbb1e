"""Deterministic, readable names for generated variables.

Temporaries are numbered in the order they are printed (``t1``, ``t2``, ...: a
temporary gets its number once the operands it reads have theirs), tangents
and adjoints are ``x_dot`` and ``x_bar``; a name the user already uses is never
taken, so the same function always prints the same code.

>>> names = Names({"x", "t1", "x_bar"})
>>> names.temp(), names.temp(), names.adjoint("x"), names.tangent("x"), names.fresh("cond")
('t2', 't3', 'x_bar2', 'x_dot', 'cond')
>>> names.fresh("cond"), names.adjoint("x")
('cond2', 'x_bar2')
"""


class Names:
    """Hands out names that collide neither with the user's nor with each other."""

    def __init__(self, taken=()):
        self.taken = set(taken)
        self._counter = 0
        self.temps = []          # the temporaries handed out, in the order of their numbers
        self._derived = {}

    def reserve(self, name):
        self.taken.add(name)

    def fresh(self, base):
        """``base`` if free, else ``base2``, ``base3``, ..."""
        name, number = base, 1
        while name in self.taken:
            number += 1
            name = f"{base}{number}"
        self.taken.add(name)
        return name

    def first_free(self, *candidates):
        """The first candidate not taken (numbering the last one if all are)."""
        for candidate in candidates:
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate
        return self.fresh(candidates[-1])

    def special(self, base):
        """The one name of a generated helper variable (``tape``, ``_``): ``base`` unless the
        user's code has it, the same name on every call."""
        key = (base, None)
        if key not in self._derived:
            self._derived[key] = self.fresh(base)
        return self._derived[key]

    def temp(self):
        """The next numbered temporary: t1, t2, ..."""
        while True:
            self._counter += 1
            name = f"t{self._counter}"
            if name not in self.taken:
                self.taken.add(name)
                self.temps.append(name)
                return name

    def _derived_name(self, var, suffix):
        key = (var, suffix)
        if key not in self._derived:
            self._derived[key] = self.fresh(f"{var}_{suffix}")
        return self._derived[key]

    def tangent(self, var):
        return self._derived_name(var, "dot")

    def adjoint(self, var):
        return self._derived_name(var, "bar")
