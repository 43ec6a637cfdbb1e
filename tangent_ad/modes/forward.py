"""Forward mode: each active assignment is followed by the assignment of its tangent.

``t1 = x1 + x2`` is followed by ``t1_dot = x1_dot``, exactly the chapter's
tangent table; control flow is kept as written, since tangents flow with the
values.
"""
import gast

from ..ir import nodes as ir
from ..ir.code import Code, LineQuoter, src


class ForwardGenerator:
    def __init__(self, context, function, wrt, active):
        self.context = context
        self.function = function
        self.wrt = wrt
        self.active = active
        self.names = context.names
        self.derivatives = context.derivatives
        self.code = Code()
        self.quoter = LineQuoter(context.location)
        # without known_shapes no tangent is known to have its value's shape: each is expanded
        self.full = self._full_tangents() if context.cleanups.known_shapes else set()

    def _full_tangents(self):
        """Variables whose tangent always has the variable's shape (a fixed point)."""
        assignments = [s for s in ir.walk(self.function.body)
                       if isinstance(s, (ir.Assign, ir.Unpack)) and s.op is not None]
        full = {a.target if isinstance(a, ir.Assign) else t
                for a in assignments for t in (a.targets if isinstance(a, ir.Unpack) else [a.target])}
        full |= self.derivatives.shapes.given      # a parameter given a number: its tangent is one
        changed = True
        while changed:
            changed = False
            for a in assignments:
                if isinstance(a, ir.Assign) and a.target in full and not self._assign_full(a, full):
                    full.discard(a.target)
                    changed = True
        return full

    def _assign_full(self, a, full):
        op = a.op
        if op.kind == "copy":
            return op.bound["x"].id in full
        if op.kind in ("constant", "call", "pop"):
            return True
        return self.derivatives.tangent_is_full(a, lambda v: v in full)

    def dot(self, var):
        return self.names.tangent(var)

    def generate(self, name_):
        f = self.function
        params = [self._param(p) for p in f.params]
        tangents = {p: self.dot(p) for p in self.wrt}
        params += [f"{tangents[p]}=1.0" for p in self.wrt]
        self.code.line(f"def {name_}({', '.join(params)}):")
        with self.code.indented():
            wrt_text = ", ".join(self.wrt)
            outs, dots = ", ".join(f.results), ", ".join(self.dot(r) for r in f.results)
            if len(f.results) > 1:
                outs, dots = f"({outs})", f"({dots})"
            self.code.line(f'"""Forward mode (tangents) of {f.name} ({self.context.where_defined}) '
                           f'with respect to {wrt_text}.')
            self.code.blank()
            self.code.line(f"Given the tangent{'s' if len(self.wrt) > 1 else ''} "
                           f"{', '.join(tangents.values())}, returns ({outs}, {dots}): "
                           f"the value of {f.name} and its tangent.")
            self.code.line('"""')
            for line in ir.stored_argument_lines(f):
                self.code.line(line)
            for p in f.params:        # before the body: p still holds the argument
                if p in self.active and p not in self.wrt:
                    # an argument not differentiated but later given differentiated values
                    self.code.line(f"{self.dot(p)} = zeros_like({p})")
            self.block(f.body)
        return self.code, tangents

    def _param(self, p):
        default = self.function.defaults.get(p)
        return p if default is None else f"{p}={src(default)}"

    # -------------------------------------------------------------- statements
    def block(self, statements):
        if not statements:
            self.code.line("pass")
        for s in statements:
            self.statement(s)

    def statement(self, s):
        if isinstance(s, ir.Assign):
            self.quoter.quote(self.code, s.origin, s.text)
            self.assign(s)
        elif isinstance(s, ir.Raw):
            self.quoter.quote(self.code, s.node, src(s.node))
            self.code.line(src(s.node))
        elif isinstance(s, ir.If):
            self.quoter.quote(self.code, s.origin, f"if {src(s.test)}:")
            self.code.line(f"if {src(s.test)}:")
            with self.code.indented():
                self.block(s.body)
            if s.orelse:
                self.code.line("else:")
                with self.code.indented():
                    self.block(s.orelse)
        elif isinstance(s, ir.While):
            self.quoter.quote(self.code, s.origin, f"while {src(s.test)}:")
            self.code.line(f"while {src(s.test)}:")
            with self.code.indented():
                self.block(s.body)
        elif isinstance(s, ir.For):
            self.quoter.quote(self.code, s.origin, f"for {s.target} in {src(s.iter)}:")
            self.code.line(f"for {s.target} in {src(s.iter)}:")
            with self.code.indented():
                self.block(s.body)
        elif isinstance(s, ir.Unpack):
            self.quoter.quote(self.code, s.origin)
            self.unpack(s)
        elif isinstance(s, ir.Push):         # a saved value travels with its tangent
            self.code.line(f"{s.stack}.append({src(s.value)})")
            if isinstance(s.value, gast.Name) and s.value.id in self.active:
                self.code.line(f"{s.stack}.append({self.dot(s.value.id)})")
        elif isinstance(s, ir.Return):
            outs = self.function.results
            dots = [self._full_dot(r) if r in self.active else f"zeros_like({r})" for r in outs]
            if len(outs) == 1:
                self.code.line(f"return {outs[0]}, {dots[0]}")
            else:
                self.code.line(f"return ({', '.join(outs)}), ({', '.join(dots)})")

    def assign(self, s):
        op = s.op
        primal = s.text
        if op is None:
            self.code.line(primal)
            return
        target_dot = self.dot(s.target)
        if op.kind == "constant":
            self.code.line(primal)
            self.code.line(f"{target_dot} = zeros_like({s.target})")
            return
        if op.kind == "copy":
            self.code.line(primal)
            self.code.line(f"{target_dot} = {self.dot(op.bound['x'].id)}")
            return
        if op.kind == "pop":                 # the tangent was pushed after the value
            self.code.line(f"{target_dot} = {src(s.value)}")
            self.code.line(primal)
            return
        if op.kind == "call":
            self.call(s)
            return
        tangent = f"{target_dot} = {self.derivatives.tangent(s, lambda v: v in self.full)}"
        if s.target in ir.read_names(s.value):     # the tangent needs the value before it is overwritten
            self.code.line(tangent)
            self.code.line(primal)
        else:
            self.code.line(primal)
            self.code.line(tangent)

    def _full_dot(self, var):
        dot = self.dot(var)
        return dot if var in self.full else f"broadcast_like({dot}, {var})"

    def call(self, s):
        self.code.line(f"{s.target}, {self.dot(s.target)} = {self._derived_call(s)}")

    def unpack(self, s):
        if s.op.kind == "constant":
            self.code.line(f"{', '.join(s.targets)} = {src(s.value)}")
            for t in s.targets:
                self.code.line(f"{self.dot(t)} = zeros_like({t})")
            return
        if s.op.kind == "rule":            # p, q = np.split(x, 2): the rule gives the tangents
            self.code.line(f"{', '.join(s.targets)} = {src(s.value)}")
            dots = ", ".join(self.dot(t) for t in s.targets)
            self.code.line(f"{dots} = {self.derivatives.tangent(s, lambda v: v in self.full)}")
            return
        dots = [self.dot(t) if t in self.active else self.names.special("_") for t in s.targets]
        self.code.line(f"({', '.join(s.targets)}), ({', '.join(dots)}) = {self._derived_call(s)}")

    def _derived_call(self, s):
        op = s.op
        derived = self.context.request(op.callee, "forward", op.active, s.value.func, op.lists)
        keywords = [gast.keyword(arg=derived.tangents[p], value=ir.name(self.dot(op.bound[p].id)))
                    for p in op.active]
        call = gast.Call(func=ir.name(derived.name), args=s.value.args,
                         keywords=list(s.value.keywords) + keywords)
        return src(call)

