"""Safe reading of YAML/JSON input files with line numbers for every field.

Used by the scenario and sweep-spec loaders. The YAML is read with the safe
loader only (no Python tags), aliases are refused (no "billion laughs"), and
files over :data:`MAX_BYTES` are refused before parsing.

Plain words and numbers are read closer to YAML 1.2 than PyYAML's YAML 1.1
defaults: only ``true`` and ``false`` are booleans (``yes``, ``no``, ``on``,
``off`` stay text), and a number YAML 1.1 would read in another base (``030``
as octal 24, ``1:30`` as base-60 90, ``0x1F``, ``0b101``) is refused with its
line rather than silently changed (:func:`_number_as_written`).
"""

from __future__ import annotations

import difflib
import json
import math
import re
import stat as _stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from summitry.sim.errors import InputError, ScenarioError
from summitry.sim.outputs import NO_CWD, needs_missing_cwd

MAX_BYTES = 10 * 1024 * 1024
FAST_PATH_BYTES = 512 * 1024
"""Files larger than this are parsed with libyaml (when available)."""
"""Largest input file accepted (10 MiB)."""

Loc = tuple[str | int, ...]


_BOOL_TAG = "tag:yaml.org,2002:bool"
_YAML12_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


_FLOAT_TAG = "tag:yaml.org,2002:float"
_YAML12_EXPONENT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
"""A number in exponent form without a decimal point or a sign in the exponent (1e-3, 5E4, 1.5e3): a float in YAML 1.2,
a text in YAML 1.1."""


def _yaml12_booleans(resolvers: Mapping[Any, list[tuple[str, Any]]]) -> dict[Any, list[tuple[str, Any]]]:
    """``resolvers`` (a loader's implicit resolvers) with only YAML 1.2's booleans: true and false, in three cases,
    and YAML 1.2's floats in exponent form without a point (``1e-3``).

    YAML 1.1 also reads yes, no, on and off (any case) as booleans, so an actor
    named ``no`` or a key ``on`` silently became False or True; here they stay text.
    And YAML 1.1 reads ``1e-3`` as the text "1e-3", which a number field refuses
    (a text where a number goes is a slip), so it is read as the number it is.
    """
    out: dict[Any, list[tuple[str, Any]]] = {}
    for first, entries in resolvers.items():
        kept = []
        for tag, pattern in entries:
            if tag != _BOOL_TAG:
                kept.append((tag, pattern))
            elif first in ("t", "T", "f", "F"):
                kept.append((tag, _YAML12_BOOL))
        if kept:
            out[first] = kept
    for first in "-+.0123456789":
        out[first] = [*out.get(first, []), (_FLOAT_TAG, _YAML12_EXPONENT)]
    return out


class _BuildsValues:
    """A loader's construction that names a value it cannot build: a scalar that matches a YAML type's pattern but
    cannot be built (2020-13-45, 0b_) raises a bare ValueError, here :class:`_UnreadableValue` with its node, so the
    message gives the line and the field. Shared by the pure-Python and the libyaml loader."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        # a scalar that matches a YAML type's pattern but cannot be built
        # (2020-13-45, 0b_) raises a bare ValueError; give it the node's line
        try:
            return super().construct_object(node, deep)  # type: ignore[misc]
        except (ValueError, OverflowError) as exc:
            if "digits" in str(exc) and len(node.value) > 100:
                problem = f"cannot read a number of {len(node.value)} characters (too many digits)"
            else:
                shown = node.value if len(node.value) <= 40 else f"{node.value[:20]}... ({len(node.value)} characters)"
                problem = f"cannot read {shown!r}: {exc}"
                if node.tag == _DATE_TAG:
                    problem += "; write a date as YYYY-MM-DD (e.g. 1972-05-22)"
            raise _UnreadableValue(problem, node) from None


class _NoAliasLoader(_BuildsValues, yaml.SafeLoader):
    """Safe loader that refuses anchors/aliases, so no alias bomb can expand; booleans as in YAML 1.2."""

    yaml_implicit_resolvers = _yaml12_booleans(yaml.SafeLoader.yaml_implicit_resolvers)

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                "YAML aliases (*name) are not allowed in summitry files",
                event.start_mark,
            )
        return super().compose_node(parent, index)


_DATE_TAG = "tag:yaml.org,2002:timestamp"


class _UnreadableValue(yaml.constructor.ConstructorError):
    """A plain value that matches a YAML type's pattern but cannot be built (2020-13-45, 0b_), with its node: the message
    names the field it stands at."""

    def __init__(self, problem: str, node: yaml.Node) -> None:
        super().__init__(None, None, problem, node.start_mark)
        self.node = node


def _path_to(root: yaml.Node, target: yaml.Node, loc: Loc = ()) -> Loc | None:
    """The path of ``target`` (a node of the document ``root``), or None if it is a key or not in it."""
    if root is target:
        return loc
    if isinstance(root, yaml.MappingNode):
        for key_node, value_node in root.value:
            if isinstance(key_node, yaml.ScalarNode):
                found = _path_to(value_node, target, (*loc, key_node.value))
                if found is not None:
                    return found
    elif isinstance(root, yaml.SequenceNode):
        for i, item in enumerate(root.value):
            found = _path_to(item, target, (*loc, i))
            if found is not None:
                return found
    return None


def _content_lines_before(lines: Sequence[str], row: int) -> int | None:
    """The row (0-based) of the last line before ``row`` that holds more than blanks or a comment; None if there is none."""
    return next((r for r in range(min(row, len(lines)) - 1, -1, -1) if _is_content(lines[r])), None)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _indentation_slip(text: str, exc: yaml.MarkedYAMLError) -> tuple[int, str] | None:
    r"""(1-based line, message) for a YAML error that a line indented too little or too much causes; None for another.

    PyYAML notices such a slip at the line after the one that slipped: a key dedented one level ends its mapping, and
    the next line, still at the old indentation, is then the error (``mapping values are not allowed here`` when it
    was read as more of the slipped line's value; ``expected <block end>`` when it starts a block nothing can hold).
    The line named is the one that holds the problem, with a hint to compare its indentation with its neighbours'.

    >>> text = "leader:\n  id: ada\nname: Ada\n  stance: 0.5\n"  # name: dedented; PyYAML stops at stance (line 4)
    >>> try:
    ...     yaml.safe_load(text)
    ... except yaml.MarkedYAMLError as exc:
    ...     _indentation_slip(text, exc)[0]
    3
    """
    mark = exc.problem_mark
    if mark is None or exc.problem is None:
        return None
    lines = text.split("\n")
    if mark.line >= len(lines):
        return None
    row, here = mark.line, lines[mark.line]
    before = _content_lines_before(lines, row)
    if exc.problem == "mapping values are not allowed here" and before is not None:
        # "key: value" then a more indented "other: ..." line: YAML reads the second as more of the first one's value
        lead = here[: mark.column].strip()
        previous = lines[before].split(" #", 1)[0].rstrip()
        key, colon, value = previous.strip().partition(": ")
        if not lead or lead.startswith(("-", "{", "[", "'", '"')) or ":" in lead or not colon or not value:
            return None
        if value.strip()[:1] in ("{", "[", "'", '"', "|", ">", "&", "*", "!"):
            return None
        return before + 1, (
            f"{exc.problem}; check the indentation of this line and the one before: line {row + 1} ({lead}: ...) is indented "
            f"more than this line's key, {key.lstrip('- ')}, so YAML read it as more of this line's value; the keys of one "
            "mapping line up, each under the one before"
        )
    if exc.problem == "could not find expected ':'" and exc.context_mark is not None and exc.context_mark.line < row:
        # a line of text that the line before does not continue (a folded value's line not indented under its key) is
        # read as a key, and PyYAML finds its colon missing at the start of the next line
        return exc.context_mark.line + 1, (
            f"{exc.problem}: this line was read as a key; check the indentation of this line and the one before: the "
            "lines of a value that goes on over several lines are indented more than its key"
        )
    if not exc.problem.startswith("expected <block end>") or mark.column != _indent(here) or before is None:
        return None
    # the found token starts its line: that line's indentation fits none of the blocks open above it. The nearest line
    # above at most as indented is its sibling (then it is this line that slipped) or the line it slipped under
    level = _indent(here)
    above = next((r for r in range(row - 1, -1, -1) if _is_content(lines[r]) and _indent(lines[r]) <= level), None)
    if above is None or _indent(lines[above]) == level:
        return row + 1, (
            f"{exc.problem}; check the indentation of this line and the one before: this line ({level} spaces) is indented "
            f"less than line {before + 1} ({_indent(lines[before])} spaces); the keys of one mapping, and the items of one "
            "list, line up"
        )
    return above + 1, (
        f"{exc.problem}; check the indentation of this line and the one before: line {row + 1} ({level} spaces) is "
        f"indented more than this line ({_indent(lines[above])} spaces) but does not fit under it, so it belongs to no "
        "mapping or list"
    )


def _is_content(line: str) -> bool:
    """Whether a line holds more than blanks or a comment."""
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


_CSafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FastLoader(_BuildsValues, _CSafeLoader):  # type: ignore[misc]
    """libyaml's safe loader (for large files), with the same booleans as :class:`_NoAliasLoader`."""

    yaml_implicit_resolvers = _yaml12_booleans(yaml.SafeLoader.yaml_implicit_resolvers)


class Lines(dict[Loc, int]):
    """The line of each path of a parsed document, and bare words of flow mappings that are YAML syntax slips.

    ``syntax[loc]`` says what the bare word at ``loc`` (a key written with no colon and no value in a
    flow mapping ``{...}``) most likely is: the rest of the previous value, which a comma split off
    (``{name: Smith, John}`` reads as ``name: Smith`` and a key ``John``), or a ``key:value`` pair
    missing the space after its colon (``{stance:0.8}``). An "unknown key" error at ``loc`` shows
    this instead of "check its spelling".

    ``not_text`` lists the keys YAML reads as something other than text (``true``
    and ``false`` as booleans, ``~`` as null, ``5`` as a number), each with its
    path as written, its line and its YAML tag: a message names them as written,
    not as the constructed value a validator would report (``[1]`` for ``true``).

    ``other_base`` lists the plain values YAML 1.1 reads as a number in another
    base than ten (``030``, ``1:30``, ``0x1F``), each with its path, its line and
    what it says about the value (:func:`_number_as_written`).
    """

    def __init__(self) -> None:
        super().__init__()
        self.syntax: dict[Loc, str] = {}
        self.not_text: list[tuple[Loc, int, str]] = []
        self.other_base: list[tuple[Loc, int, str]] = []


_TEXT_TAG = "tag:yaml.org,2002:str"
_READ_AS = {"bool": "a boolean (true or false)", "null": "null (no value)", "int": "a number", "float": "a number", "timestamp": "a date"}
"""What YAML reads a plain key of each tag as, for the message that asks to quote it."""


def _not_text_message(source: str, loc: Loc, line: int, tag: str) -> str:
    """``FILE:LINE: path.key: ...`` for a key YAML reads as something other than text, naming it as written.

    >>> _not_text_message("case.yaml", ("sides", "alpha", "leader", "trust", "false"), 36, "tag:yaml.org,2002:bool")
    'case.yaml:36: sides.alpha.leader.trust.false: a key must be text, and YAML reads false as a boolean (true or false); quote it: "false"'
    """
    key = str(loc[-1])
    read_as = _READ_AS.get(tag.rsplit(":", 1)[-1], f"a value of type {tag.rsplit(':', 1)[-1]}")
    return f"{source}:{line}: {format_loc(loc)}: a key must be text, and YAML reads {key} as {read_as}; quote it: {json.dumps(key)}"


_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_SHOWN_DIGITS = 30
"""Longest number text a message repeats and works out the value of; a longer one is named by its start and length."""


def _number_as_written(text: str) -> str | None:
    """What is wrong with a plain number YAML 1.1 reads in a base other than ten; None for a decimal number.

    Leading zeros (octal), base 60 (``1:30``: a time or a ratio?), hexadecimal and binary are all refused:
    each reads as a value other than its digits show, and whether a number or text was meant is not clear.

    >>> _number_as_written("030")
    '030 has a leading zero, which YAML 1.1 reads as octal 24; write 30, or quote it ("030") if it is text'
    >>> _number_as_written("1:30")
    '1:30 is read by YAML 1.1 as a base-60 number, 90; write 90, or quote it ("1:30") if it is text (a time, a ratio)'
    >>> _number_as_written("0x1F")
    '0x1F is hexadecimal, which YAML reads as 31; write 31, or quote it ("0x1F") if it is text'
    >>> _number_as_written("30") is None and _number_as_written("0.5") is None and _number_as_written("0") is None
    True
    """
    sign, digits = ("-" if text[0] == "-" else "", text[1:]) if text[:1] in "+-" else ("", text)
    digits = digits.replace("_", "")
    base = {"0x": (16, "hexadecimal"), "0b": (2, "binary")}.get(digits[:2].lower())
    octal = len(digits) > 1 and digits[0] == "0" and digits.isdigit()
    if ":" not in digits and base is None and not octal:
        return None
    if len(text) > _SHOWN_DIGITS:
        what = "a base-60" if ":" in digits else f"a {base[1]}" if base else "an octal (leading zero)"
        return f"{text[:12]}... ({len(text)} characters) is {what} number to YAML 1.1; write the number in decimal"
    quoted = json.dumps(text, ensure_ascii=False)
    if ":" in digits:
        total: float = 0.0 if "." in digits else 0
        for part in digits.split(":"):
            total = total * 60 + (float(part) if "." in part else int(part))
        value = f"{sign}{total!r}"
        return f"{text} is read by YAML 1.1 as a base-60 number, {value}; write {value}, or quote it ({quoted}) if it is text (a time, a ratio)"
    if base is not None:
        if not digits[2:]:
            return None  # 0b_: no digits at all, which the constructor reports
        value = f"{sign}{int(digits[2:], base[0])}"
        return f"{text} is {base[1]}, which YAML reads as {value}; write {value}, or quote it ({quoted}) if it is text"
    decimal = f"{sign}{digits.lstrip('0') or '0'}"
    return f"{text} has a leading zero, which YAML 1.1 reads as octal {sign}{int(digits, 8)}; write {decimal}, or quote it ({quoted}) if it is text"


def _implicit_null(key_node: yaml.Node, value_node: yaml.Node) -> bool:
    """A key written with no colon and no value (``John`` in ``{name: Smith, John}``), not ``key: `` with an empty value."""
    return (
        isinstance(value_node, yaml.ScalarNode)
        and value_node.tag.endswith(":null")
        and value_node.value == ""
        and value_node.start_mark.index == key_node.end_mark.index
    )


def _lines(node: yaml.Node, loc: Loc, out: dict[Loc, int], duplicates: list[tuple[Loc, int]]) -> None:
    out[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode) and not node.style and node.tag in _NUMBER_TAGS and isinstance(out, Lines):
        # not node.style: a plain scalar (None from PyYAML, "" from libyaml), not a quoted one
        problem = _number_as_written(node.value)
        if problem is not None:
            out.other_base.append((loc, node.start_mark.line + 1, problem))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        before: tuple[str, str] | None = None  # in a flow mapping: the last written key and its plain value so far
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                before = None
                continue  # a list or mapping as a key: the constructor refuses it
            key = key_node.value
            if key_node.tag != _TEXT_TAG and isinstance(out, Lines):
                out.not_text.append(((*loc, key), key_node.start_mark.line + 1, key_node.tag))
            if key in seen:
                duplicates.append(((*loc, key), key_node.start_mark.line + 1))
            seen.add(key)
            _lines(value_node, (*loc, key), out, duplicates)
            # keep the key's own line for the key itself (for "unknown key")
            out[(*loc, key)] = key_node.start_mark.line + 1
            # a plain scalar's style is None from PyYAML and "" from libyaml (files over FAST_PATH_BYTES): test it as falsy
            if not node.flow_style or key_node.style:
                before = None
            elif _implicit_null(key_node, value_node) and re.fullmatch(r"[A-Za-z_][\w.-]*:\S.*", key):
                name, _, value = key.partition(":")
                if isinstance(out, Lines):
                    out.syntax[(*loc, key)] = (
                        f"YAML syntax: a colon needs a space after it; {key!r} was read as one word (a key with no value). "
                        f"Write {name}: {value}"
                    )
                before = None
            elif _implicit_null(key_node, value_node) and before is not None:
                before = (before[0], f"{before[1]}, {key}")
                if isinstance(out, Lines):
                    meant = json.dumps(before[1], ensure_ascii=False)
                    out.syntax[(*loc, key)] = (
                        f"YAML syntax: a comma inside the value of {before[0]} split it; in a flow mapping {{...}} a comma ends "
                        f"a plain value, so {key!r} was read as a key of its own. Quote the value: {before[0]}: {meant}"
                    )
            elif isinstance(value_node, yaml.ScalarNode) and not value_node.style and value_node.value:
                before = (key, value_node.value)
            else:
                before = None
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, (*loc, i), out, duplicates)


def _check_finite(obj: Any, loc: Loc = ()) -> Loc | None:
    """Location of the first nan or inf in ``obj`` (None if there is none)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return loc
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            bad = _check_finite(v, (*loc, k))
            if bad is not None:
                return bad
    if isinstance(obj, list):
        for i, v in enumerate(obj):
            bad = _check_finite(v, (*loc, i))
            if bad is not None:
                return bad
    return None


def read_text(path: Path, kind: str, error: type[InputError]) -> str:
    """Read a text file, refusing missing, oversized, non-regular (devices, FIFOs) and non-UTF-8 files.

    At most :data:`MAX_BYTES` + 1 bytes are ever read, whatever the file
    claims its size is.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        raise error(f"{path}: no such {kind} file") from None
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror})") from None
    if _stat.S_ISDIR(st.st_mode):
        raise error(f"{path}: is a directory, not a {kind} file")
    if not _stat.S_ISREG(st.st_mode):
        what = (
            "a character device"
            if _stat.S_ISCHR(st.st_mode)
            else "a FIFO (named pipe)"
            if _stat.S_ISFIFO(st.st_mode)
            else "a block device"
            if _stat.S_ISBLK(st.st_mode)
            else "a socket"
            if _stat.S_ISSOCK(st.st_mode)
            else "not a regular file"
        )
        raise error(f"{path}: is {what}, not a {kind} file; give a regular file")
    if st.st_size > MAX_BYTES:
        raise error(f"{path}: file is {st.st_size / 2**20:.1f} MiB; {kind} files are limited to {MAX_BYTES // 2**20} MiB")
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise error(f"{path}: file is over {MAX_BYTES // 2**20} MiB; {kind} files are limited to {MAX_BYTES // 2**20} MiB")
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise error(f"{path}:{line}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror})") from None


def parse_document(text: str, source: str, kind: str, error: type[InputError]) -> tuple[Any, dict[Loc, int]]:
    """Parse YAML (or JSON, which is YAML) and return (data, line of each path)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise error(f"{source}: {kind} is over {MAX_BYTES // 2**20} MiB")
    if not text.strip():
        raise error(f"{source}: the {kind} file is empty")
    text = untabbed_json(text)
    if len(text) > FAST_PATH_BYTES and text.lstrip().startswith("{"):
        # large JSON (e.g. a generated scenario): json is ~50x faster than YAML; lines are
        # worked out only if a message needs one
        fast_data = _json_fast_path(text)
        if fast_data is not None:
            bad_path = _check_finite(fast_data)
            if bad_path is None:
                _refuse_other_kind(fast_data, source, kind, error)
                return fast_data, _LazyLines(text, source, kind, error)  # type: ignore[return-value]
    lines = Lines()
    duplicates: list[tuple[Loc, int]] = []
    root: yaml.Node | None = None
    fast = len(text) > FAST_PATH_BYTES and getattr(yaml, "__with_libyaml__", False)
    try:
        if fast:
            # large files (generated scenarios): libyaml, after a C-speed scan that refuses aliases
            for event in yaml.parse(text, Loader=yaml.CSafeLoader):
                if isinstance(event, yaml.AliasEvent):
                    raise yaml.composer.ComposerError(
                        None,
                        None,
                        "YAML aliases (*name) are not allowed in summitry files",
                        event.start_mark,  # type: ignore[arg-type]
                    )
        loader = _FastLoader(text) if fast else _NoAliasLoader(text)
        try:
            node = root = loader.get_single_node()
            if node is None:
                raise error(f"{source}: the {kind} file is empty")
            _lines(node, (), lines, duplicates)
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except _UnreadableValue as exc:
        row = exc.node.start_mark.line + 1
        path = _path_to(root, exc.node) if root is not None else None
        field = f" {format_loc(path)}:" if path else ""
        if exc.node.tag == _DATE_TAG and path:
            raise error(f"{source}:{row}:{field} not a valid date: {exc.problem}") from None
        raise error(f"{source}:{row}:{field} not valid YAML: {exc.problem}") from None
    except yaml.MarkedYAMLError as exc:
        slip = _indentation_slip(text, exc)
        if slip is not None:
            raise error(f"{source}:{slip[0]}: not valid YAML: {slip[1]}") from None
        if exc.problem is not None and "'\\t'" in exc.problem and exc.problem_mark is not None:
            raise error(
                f"{source}:{exc.problem_mark.line + 1}: not valid YAML: a tab (column {exc.problem_mark.column + 1}); "
                "indent with spaces (YAML does not allow tabs in indentation)"
            ) from None
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context and exc.context_mark is not None:
            # e.g. an unclosed bracket or quote: say where it was opened
            problem = f"{problem} ({exc.context}, line {exc.context_mark.line + 1})"
        if "python/" in str(exc):
            problem = f"{problem} (Python tags are not allowed)"
        raise error(f"{source}{line}: not valid YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:
        row = text.count("\n", 0, exc.position) + 1
        raise error(f"{source}:{row}: not valid YAML: {exc.reason} (character U+{exc.character:04X})") from None
    except yaml.YAMLError as exc:
        raise error(f"{source}: not valid YAML: {exc}") from None
    except RecursionError:
        raise error(f"{source}: YAML nested too deeply") from None
    if not isinstance(data, dict):
        raise error(f"{source}:1: a {kind} file must be a mapping of keys to values (`key: value` lines); this one holds {_what(data)}")
    _refuse_other_kind(data, source, kind, error)
    if lines.not_text:
        # every key of every summitry file is text; checked here, where the key is still as written and has its own line
        raise error([_not_text_message(source, loc, line, tag) for loc, line, tag in lines.not_text])
    if lines.other_base:
        raise error([f"{source}:{line}: {format_loc(loc)}: {problem}" for loc, line, problem in lines.other_base])
    if duplicates:
        raise error(
            [f"{source}:{line}: {format_loc(loc)}: duplicate key (an earlier one would be silently replaced)" for loc, line in duplicates]
        )
    bad = _check_finite(data)
    if bad is not None:
        found = lines.get(bad)
        where = f":{found}" if found else ""
        raise error(f"{source}{where}: {format_loc(bad)}: must be a finite number (got nan or inf)")
    return data, lines


PARAMS_FILE_KEYS = ("scenario", "parameters", "description", "source", "calibration")
"""The keys of a parameter file (``--params``, a calibration's calibrated.yaml)."""


def _what(data: Any) -> str:
    """What a YAML document that is not a mapping holds, in words.

    >>> _what("teaching"), _what([1, 2]), _what(3.5), _what(True)
    ('one piece of text', 'a list', 'a number', 'true or false')
    """
    if isinstance(data, bool):
        return "true or false"
    if isinstance(data, int | float):
        return "a number"
    if isinstance(data, str):
        return "one piece of text"
    if isinstance(data, list):
        return "a list"
    return f"a {type(data).__name__}"


def file_kind(data: Mapping[str, Any]) -> str | None:
    """Which kind of summitry file a mapping's top-level keys make it: "scenario", "sweep spec", "parameter", "run manifest"
    (a run directory's run.json), "JSON Schema" (of scenario files, as ``summitry schema`` writes it), or None.

    Only the keys each kind alone may have are read (a scenario's ``sides``, a sweep spec's ``design`` or ranges, a
    parameter file's plain values under ``parameters``), so a file of one kind with a typo is still of its kind.

    >>> file_kind({"name": "x", "sides": {}}), file_kind({"scenario": "teaching", "parameters": {"kappa": {"low": 1, "high": 3}}})
    ('scenario', 'sweep spec')
    >>> file_kind({"scenario": "teaching", "parameters": {"kappa": 3}}), file_kind({"nmae": "x"}) is None
    ('parameter', True)
    >>> file_kind({"$schema": "https://json-schema.org/draft/2020-12/schema", "properties": {"sides": {}}})
    'JSON Schema'
    """
    if "sides" not in data and ("properties" in data or "$defs" in data) and ("$schema" in data or data.get("type") == "object"):
        # the keywords of a schema, no summitry file's keys (a scenario pointing an editor at its schema, "$schema", has sides)
        return "JSON Schema"
    params = data.get("parameters")
    ranges = isinstance(params, dict) and any(isinstance(v, dict) for v in params.values())
    if {"scenario_hash", "outcome", "seed", "versions"} <= set(data):
        return "run manifest"
    if "sides" in data and "scenario" not in data:
        return "scenario"
    if "scenario" in data and "sides" not in data and ("design" in data or "replicates" in data or ranges):
        return "sweep spec"
    if isinstance(params, dict) and params and not ranges and set(data) <= set(PARAMS_FILE_KEYS):
        return "parameter"
    return None


def _refuse_other_kind(data: Mapping[str, Any], source: str, kind: str, error: type[InputError]) -> None:
    """Refuse, in one message, a file of another kind than ``kind`` (a scenario given as a sweep spec, ...).

    Without this, a scenario given to ``summitry sweep`` would be refused key by key, each an "unknown key".
    """
    found = file_kind(data)
    if found is None or found == kind:
        return
    what = f"a {found} file"
    if found == "JSON Schema":
        what = "a JSON Schema (summitry schema writes it)" if data.get("title") == "summitry scenario" else "a JSON Schema"
    name = Path(source).name if found == "scenario" else "NAME"
    case = data["scenario"] if isinstance(data.get("scenario"), str) else "SCENARIO"
    use = {
        "scenario": f"give it as the scenario (summitry run {source})",
        "sweep spec": f"run it with summitry sweep {source}",
        "parameter": f"give it with --params (summitry run {case} --params {source})",
        "run manifest": f"the scenario that run used is beside it, {Path(source).parent / 'scenario.json'}",
        "JSON Schema": "it describes scenario files, for an editor to check one as you type",
    }[found]
    write = {
        "scenario": "a scenario file has name, title, time, issues, sides (docs/scenarios.md)",
        "sweep spec": f"a sweep spec names the scenario and what varies (scenario: {name}, parameters: {{PATH: {{low: L, high: H}}}}, "
        "design: lhs; README, Sweeps)",
        "parameter": "a parameter file holds parameters: {PATH: VALUE} (and optionally scenario: NAME)",
    }[kind]
    raise error(f"{source}:1: this is {what}, not a {kind} file: {use}; {write}")


def untabbed_json(text: str) -> str:
    r"""``text`` with its tabs made spaces when it is valid JSON, for the YAML reader; any other text as it is.

    YAML forbids tabs as indentation; in valid JSON every tab is insignificant
    whitespace, so a tab-indented JSON file reads the same. Every YAML reader
    of a file summitry reads goes through this (:func:`parse_document`, and the
    re-reading of a parameter file's values as written).

    >>> untabbed_json('{\n\t"a": 1\n}')
    '{\n "a": 1\n}'
    >>> untabbed_json("a:\t1")
    'a:\t1'
    """
    if "\t" in text and text.lstrip().startswith(("{", "[")) and _is_json(text):
        return text.replace("\t", " ")
    return text


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def format_loc(loc: Sequence[str | int], data: Any = None) -> str:
    """Render a pydantic location as ``sides.us.factions[2].influence``.

    List items that carry an ``id`` are shown by index (as pydantic reports
    them); mapping keys are dotted.
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "<root>"


def _line_for(loc: Loc, lines: Mapping[Loc, int]) -> int | None:
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


def _clean_loc(loc: Iterable[Any]) -> Loc:
    # pydantic adds union-member and validator tags to locations; keep only
    # the parts that name real keys/indices in the file
    return tuple(p for p in loc if isinstance(p, int) or not str(p).startswith(("function-", "tagged-union")))


def validation_messages(
    exc: ValidationError,
    source: str,
    lines: Mapping[Loc, int],
    data: Any = None,
    model: type[BaseModel] | None = None,
    reword: Callable[[Loc, Mapping[str, Any]], str | None] | None = None,
) -> list[str]:
    """Turn a pydantic ValidationError into ``file:line: field: problem`` lines.

    With the ``model`` validated, an unknown key names the keys it may have meant (those allowed where it stands).
    ``reword(loc, error)``, when given, may say a problem in the file's own terms (None: the usual words).
    """
    messages = []
    seen = set()
    for err in exc.errors(include_url=False):
        loc = _clean_loc(err["loc"])
        line = _line_for(loc, lines)
        where = f"{source}:{line}" if line else source
        field = format_loc(loc)
        msg = (reword(loc, err) if reword is not None else None) or _humanise(err, model)
        syntax: Mapping[Loc, str] = getattr(lines, "syntax", {})
        if err["type"] == "extra_forbidden" and loc in syntax:
            msg = syntax[loc]
        text = f"{where}: {field}: {msg}"
        if text not in seen:
            seen.add(text)
            messages.append(text)
    return messages


def _alternatives(annotation: Any) -> list[Any]:
    """The types a field's annotation allows: ``Annotated`` unwrapped, a union (``X | None``) split.

    >>> _alternatives(int | None), _alternatives(list[str])
    ([<class 'int'>, <class 'NoneType'>], [list[str]])
    """
    origin = get_origin(annotation)
    if origin is Annotated:
        return _alternatives(get_args(annotation)[0])
    if origin is Union or origin is UnionType:
        return [t for arg in get_args(annotation) for t in _alternatives(arg)]
    return [annotation]


def keys_at(model: type[BaseModel], loc: Loc) -> set[str]:
    """The keys a file validated by ``model`` may have in the mapping at ``loc`` (empty if ``loc`` is not a mapping of fields).

    >>> from pydantic import create_model
    >>> Inner = create_model("Inner", ego=(float, 0.5), impulsiveness=(float, 0.5))
    >>> Outer = create_model("Outer", leaders=(dict[str, list[Inner] | None], {}))
    >>> sorted(keys_at(Outer, ("leaders", "us", 0))), sorted(keys_at(Outer, ()))
    (['ego', 'impulsiveness'], ['leaders'])
    """
    current: list[Any] = [model]
    for part in loc:
        following: list[Any] = []
        for option in (t for c in current for t in _alternatives(c)):
            args = get_args(option)
            if isinstance(option, type) and issubclass(option, BaseModel):
                if isinstance(part, str) and part in option.model_fields:
                    following.append(option.model_fields[part].annotation)
            elif get_origin(option) in (list, tuple, Sequence) and isinstance(part, int) and args:
                following.append(args[0])
            elif get_origin(option) in (dict, Mapping) and isinstance(part, str) and len(args) == 2:
                following.append(args[1])
        current = following
    return {
        key
        for option in (t for c in current for t in _alternatives(c))
        if isinstance(option, type) and issubclass(option, BaseModel)
        for key in option.model_fields
    }


def _humanise(err: Mapping[str, Any], model: type[BaseModel] | None = None) -> str:
    """A pydantic error's problem in words; with the ``model`` validated, an unknown key names the keys it may have meant."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    shown = _show(got)
    if kind in ("less_than_equal", "less_than", "greater_than_equal", "greater_than"):
        bound = {
            "less_than_equal": ("<=", "le"),
            "less_than": ("<", "lt"),
            "greater_than_equal": (">=", "ge"),
            "greater_than": (">", "gt"),
        }[kind]
        limit = ctx.get(bound[1])
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)  # a bound of 1.0 reads "<= 1", as the schema has it
        elif isinstance(limit, float):
            limit = f"{limit:.6g}"  # a bound of 1/7 (a day, in weeks) reads ">= 0.142857", as `summitry params` shows it
        return f"must be {bound[0]} {limit} (got {shown})"
    if kind == "extra_forbidden":
        loc = _clean_loc(err["loc"])
        # stricter than for ids: a key's few letters make unrelated keys look close ('mdoe': 'time', 'name')
        near = close_matches(str(loc[-1]), sorted(keys_at(model, loc[:-1])), n=3, cutoff=0.6) if model and loc else []
        if near:
            return f"unknown key (not part of the format; did you mean {', '.join(repr(k) for k in near)}?)"
        return "unknown key (not part of the format; check its spelling)"
    if kind == "missing":
        return "required field is missing"
    if kind in ("model_type", "model_attributes_type", "dict_type"):  # pydantic: "Input should be a valid dictionary or instance of X"
        loc = _clean_loc(err["loc"])
        keys = sorted(keys_at(model, loc)) if model else []
        such = f", with keys such as {', '.join(keys)}" if keys else " of names to values"
        return f"must be a mapping{such} (got {shown})"
    if kind in ("too_short", "too_long"):  # pydantic: "Dictionary should have at least 1 item after validation, not 0"
        one, many = ("entry", "entries") if ctx.get("field_type") == "Dictionary" else ("item", "items")
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        words = f"{limit} {one if limit == 1 else many}"
        has = ctx.get("actual_length")
        return f"{'needs at least' if kind == 'too_short' else 'takes at most'} {words}" + (f" (has {has})" if has is not None else "")
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"{err['msg'][0].lower()}{err['msg'][1:]} (got {shown})"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')} (got {shown})"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    msg = err["msg"][0].lower() + err["msg"][1:]
    if isinstance(got, (dict, list)):
        return msg
    return f"{msg} (got {shown})"


def _show(value: Any) -> str:
    if isinstance(value, (dict, list)):
        text = json.dumps(value, default=str)
        return text if len(text) <= 40 else text[:37] + "..."
    return repr(value) if isinstance(value, str) else str(value)


def close_matches(word: str, candidates: Iterable[str], n: int = 5, cutoff: float = 0.5) -> list[str]:
    """Candidates that look like ``word`` (for "did you mean" hints)."""
    return difflib.get_close_matches(word, list(candidates), n=n, cutoff=cutoff)


def _json_fast_path(text: str) -> dict[str, Any] | None:
    """Parse JSON with duplicate keys refused; None if it is not plain JSON (fall back to YAML)."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in items:
            if k in out:
                raise ValueError("duplicate key")
            out[k] = v
        return out

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class _LazyLines(Mapping[Loc, int]):
    """Line numbers of a document, computed (by the YAML route) on first use."""

    def __init__(self, text: str, source: str, kind: str, error: type[InputError]) -> None:
        self._args = (text, source, kind, error)
        self._lines: dict[Loc, int] | None = None

    def _get(self) -> dict[Loc, int]:
        if self._lines is None:
            text, source, kind, error = self._args
            _, lines = _yaml_lines(text.replace("\t", " "), source, kind, error)
            self._lines = lines
        return self._lines

    def __getitem__(self, key: Loc) -> int:
        return self._get()[key]

    def __iter__(self) -> Iterator[Loc]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def _yaml_lines(text: str, source: str, kind: str, error: type[InputError]) -> tuple[Any, dict[Loc, int]]:
    """Lines of each path, via libyaml's composer (no construction)."""
    loader = yaml.CSafeLoader(text) if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    lines: dict[Loc, int] = {}
    if node is not None:
        _lines(node, (), lines, [])
    return None, lines


def near_or_listed(word: str, options: Sequence[str], what: str, listed: int = 12) -> str:
    """' (did you mean 'x'?)' with the options close to ``word``; when none is close, '; the WHAT are a, b, ...' (the
    first ``listed`` of them, and how many there are in all).

    >>> near_or_listed("gill", ["ada", "gil"], "actors"), near_or_listed("kissinger", ["ada", "bo", "gil"], "actors")
    (" (did you mean 'gil'?)", '; the actors are ada, bo, gil')
    >>> near_or_listed("x", [f"a{i}" for i in range(20)], "actors", listed=3)
    '; the actors are a0, a1, a2 and 17 more (20 in all)'
    """
    near = did_you_mean(word, options)
    if near or not options:
        return near
    shown = ", ".join(options[:listed])
    more = f" and {len(options) - listed} more ({len(options)} in all)" if len(options) > listed else ""
    return f"; the {what} are {shown}{more}"


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """' (did you mean 'x', 'y'?)' with up to three close matches of ``word`` among ``options``, or '' if none is close."""
    m = close_matches(word, sorted(options), n=3)
    return f" (did you mean {', '.join(repr(x) for x in m)}?)" if m else ""


# ------------------------------------------------------------------ the built-in scenarios

BUILTIN_PACKAGE = "summitry.sim.builtin_scenarios"
"""The built-in scenarios (and schema.json) as installed: the repository's scenarios/ folder, mapped into the package."""


def _builtin_dir() -> Path:
    """Where the built-in scenarios are: the checkout's scenarios/ folder, else the installed package data."""
    here = Path(__file__).resolve().parents[2]  # the checkout, or a copy laid out as imported (summitry/sim beside scenarios/: mutmut's)
    for checkout in (here / "scenarios", here.parent / "scenarios"):
        if checkout.is_dir() and (checkout.parent / "pyproject.toml").is_file():
            return checkout
    installed = resources.files("summitry.sim") / "builtin_scenarios"  # a regular package: a real directory when installed
    return installed if isinstance(installed, Path) else Path(str(installed))


BUILTIN_DIR = _builtin_dir()


def builtin_names() -> list[str]:
    """Names of the built-in scenarios."""
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml"))


def names_builtin(path: Path, name: str) -> bool:
    """Whether ``name``, which exists as ``path``, means the built-in scenario of that name all the same.

    So when ``path`` is a directory: a directory is never a scenario file, and
    one named like a built-in is common (``summitry run teaching --out
    teaching``); it must not hide the built-in.
    """
    return name in builtin_names() and path.is_dir()


def resolve(name_or_path: str | Path) -> Path:
    """A built-in scenario's file, or the path itself.

    A name with a scenario file's suffix, or one that exists, is a path; but a
    directory named like a built-in scenario is the built-in (:func:`names_builtin`).
    An empty name is refused: as a path it would be ``.``, the current directory.
    """
    if isinstance(name_or_path, str) and not name_or_path:
        raise ScenarioError(
            f"the scenario's name or path is empty (''); give a scenario file or a built-in name: {', '.join(builtin_names())}"
        )
    p = Path(name_or_path)
    builtin = BUILTIN_DIR / f"{name_or_path}.yaml"
    if needs_missing_cwd(p) and not (p.suffix == "" and builtin.exists()):
        # a relative path would be looked up in a directory that is gone: "no such file" would mislead
        raise ScenarioError(f"{name_or_path}: a relative path, and {NO_CWD}, or give an absolute path")
    if p.suffix in (".yaml", ".yml", ".json") or (p.exists() and not names_builtin(p, str(name_or_path))):
        return p
    if builtin.exists():
        return builtin
    near = close_matches(str(name_or_path), builtin_names())
    hint = f"; did you mean {', '.join(near)}?" if near else f"; built-in scenarios are {', '.join(builtin_names())}"
    raise ScenarioError(f"{name_or_path}: no such scenario file or built-in scenario{hint}")
