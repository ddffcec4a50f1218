"""Exception hierarchy of summitry.

Every error a user can act on derives from :class:`SummitryError`; the CLI
turns these into exit status 2 with the message alone (no traceback).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence


def bad_choice(value: str, allowed: Sequence[str]) -> str:
    """The problem of a word that is not one of ``allowed``: every choice, what was written, and the closest choice.

    Worded as the other bad choices of a file's messages ("must be one of 'range', 'change' ... (got 'slope')").

    >>> bad_choice("staf", ("hardliner", "reformer", "staff"))
    "must be one of 'hardliner', 'reformer' or 'staff' (got 'staf'; did you mean 'staff'?)"
    >>> bad_choice("envoy", ("mediator", "patron"))
    "must be one of 'mediator' or 'patron' (got 'envoy')"
    """
    shown = [repr(a) for a in allowed]
    listed = ", ".join(shown[:-1]) + " or " + shown[-1] if len(shown) > 1 else shown[0]
    near = difflib.get_close_matches(value, list(allowed), n=1, cutoff=0.6)
    return f"must be one of {listed} (got {value!r}" + (f"; did you mean {near[0]!r}?)" if near else ")")


class SummitryError(Exception):
    """Base class of every error summitry reports to a person."""


class InputError(SummitryError):
    """Bad input: a file, an argument or a field a user gave."""

    def __init__(self, messages: list[str] | str) -> None:
        if isinstance(messages, str):
            messages = [messages]
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


class ScenarioError(InputError):
    """A scenario file that cannot be read or does not validate."""


class ParameterError(InputError):
    """An override (``--set PATH=VALUE``) that names no parameter or is out of range."""


class SweepSpecError(InputError):
    """A sweep spec that cannot be read or does not validate."""


class RunDirError(InputError):
    """A run or sweep directory that is missing or incomplete."""


class DiskFullError(SummitryError):
    """The disk filled while writing an output (exit status 1, one line; nothing half-written is left under the final name)."""

    def __init__(self, path: object) -> None:
        self.path = path
        super().__init__(f"no space left on device while writing {path}")
