"""Small numeric helpers of the hot path."""

from __future__ import annotations

from typing import Any

try:
    from numpy._core.umath import clip as _clip_ufunc  # type: ignore[attr-defined]
except ImportError:  # numpy < 2
    from numpy.core.umath import clip as _clip_ufunc  # type: ignore[no-redef]


def clip(x: Any, lo: Any, hi: Any, out: Any = None) -> Any:
    """``np.clip(x, lo, hi)``: the same ufunc, without the Python wrapper ``np.clip`` goes through.

    The wrapper costs about two microseconds a call, and a step makes dozens
    of calls on arrays of a few elements.

    >>> import numpy as np
    >>> clip(np.array([-1.0, 0.5, 2.0]), 0.0, 1.0).tolist()
    [0.0, 0.5, 1.0]
    """
    if out is None:
        return _clip_ufunc(x, lo, hi)
    return _clip_ufunc(x, lo, hi, out=out)
