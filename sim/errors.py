"""Exception hierarchy of summitry.

Every error a user can act on derives from :class:`SummitryError`; the CLI
turns these into exit status 2 with the message alone (no traceback).
"""

from __future__ import annotations


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
