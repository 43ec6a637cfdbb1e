"""One entry of the catalog: a covered spelling, its rule, and the example the tests differentiate."""
from dataclasses import dataclass, field


@dataclass
class Entry:
    spelling: str           # how users write it: np.sum, x.sum(), a @ b, x[i] = v
    rule: str               # the rule it uses
    example: str            # an expression or a function body with return
    inputs: dict            # name -> (shape, domain)
    extra: list = field(default_factory=list)   # more examples: [(example, inputs)]
    rtol: float = 1e-6      # against central differences; an example computed in float32 gets 1e-3
    host_only: str = ""     # why it cannot run on a GPU array library (it builds a NumPy array)
