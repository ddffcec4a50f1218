"""Imports inside functions must say why they are there (issue 13).

Usage: ``.venv/bin/python tools/function_imports.py [PATH ...]`` (default: sim agents dashboard); ``make lint`` runs it.

The rule: modules import at the top. An import stays inside a function only for a heavy optional dependency
(dask, kaleido, plotly, pyarrow, ...), for the CLI's lazy loading of the engine (a fast ``summitry --help``), or for a
genuine import cycle; and then a comment on the import's own line says which (``# heavy: ...``, ``# lazy: ...``,
``# cycle: ...``). Imports under ``if TYPE_CHECKING:`` at module level are not inside a function and are not listed.

Prints ``FILE:LINE: <the import>`` for each import inside a function with no comment on its lines, then a count;
exit status 1 when there is any, 0 when there is none, 2 for a path that does not exist or a file that does not parse.
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
import tokenize
from collections.abc import Iterator
from pathlib import Path

DEFAULT_PATHS = ("sim", "agents", "dashboard")


def comment_lines(source: str) -> set[int]:
    """The line numbers that carry a ``#`` comment (found by the tokenizer, so a ``#`` inside a string does not count)."""
    lines: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            lines.add(tok.start[0])
    return lines


def _imports_in_functions(node: ast.AST, inside: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            if inside:
                yield child
        else:
            yield from _imports_in_functions(child, inside or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))


def uncommented(source: str, filename: str = "<source>") -> list[tuple[int, str]]:
    """(line, text) of every import inside a function (or a method, or a function within one) with no comment on its lines."""
    tree = ast.parse(source, filename=filename)
    commented = comment_lines(source)
    lines = source.splitlines()
    found = []
    for imp in _imports_in_functions(tree, inside=False):
        span = range(imp.lineno, (imp.end_lineno or imp.lineno) + 1)
        if not any(n in commented for n in span):
            found.append((imp.lineno, lines[imp.lineno - 1].strip()))
    return sorted(found)


def python_files(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if not p.exists():
            raise FileNotFoundError(p)
        out.extend(sorted(p.rglob("*.py")) if p.is_dir() else [p])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=list(DEFAULT_PATHS))
    args = parser.parse_args(argv)
    try:
        files = python_files(args.paths)
    except FileNotFoundError as exc:
        print(f"error: {exc}: no such file or directory", file=sys.stderr)
        return 2
    count = 0
    for path in files:
        try:
            found = uncommented(path.read_text(encoding="utf-8"), str(path))
        except SyntaxError as exc:
            print(f"error: {path}:{exc.lineno}: does not parse: {exc.msg}", file=sys.stderr)
            return 2
        for line, text in found:
            print(f"{path}:{line}: {text}")
        count += len(found)
    if count:
        print(
            f"{count} import(s) inside functions without a comment: hoist them to the top of the module, or say why they "
            "stay (# heavy: ..., # lazy: ..., # cycle: ...)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
