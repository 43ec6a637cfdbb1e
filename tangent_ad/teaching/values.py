"""Short texts for the values a trace shows: numbers in full when short, arrays as shape and a preview.

The recorder uses them for loop items and call arguments, the tables for every value.
"""


def _number(value):
    text = repr(float(value))
    return text if len(text) <= 10 else f"{float(value):.6g}"


def format_value(value, limit=6):
    """A short text for a value: numbers in full when short, arrays as shape and a preview.

    >>> import numpy as np
    >>> format_value(np.array([1.0, 2.0, 3.0]))
    'array(shape=(3,), [1.0, 2.0, 3.0])'
    >>> format_value(np.arange(10.0))
    'array(shape=(10,), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, ...])'
    """
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, complex):
        return repr(value)
    if isinstance(value, tuple):
        inner = ", ".join(format_value(v, limit) for v in value)
        return f"({inner}{',' if len(value) == 1 else ''})"
    if isinstance(value, list):
        return f"list(len={len(value)})"
    if isinstance(value, range):
        return repr(value)
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is not None and dtype is not None:
        import numpy as np
        if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.shape == ()):
            item = value.item()
            return _number(item) if isinstance(item, float) else format_value(item, limit)
        if isinstance(value, np.ndarray):
            flat = value.ravel()
            items = [format_value(v.item(), limit) for v in flat[:limit]]
            if flat.size > limit:
                items.append("...")
            return f"array(shape={tuple(value.shape)}, [{', '.join(items)}])"
        return f"{type(value).__name__}(shape={tuple(shape)}, dtype={dtype})"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
