"""The shape of the code: lines per module, the longest function, the highest cyclomatic complexity.

Usage: ``.venv/bin/python tools/code_shape.py [PATH ...]`` (default: sim agents dashboard).
Prints one row per module over ``--lines`` lines (default 800), every function over
``--function-lines`` lines (default 100) and every function whose complexity ruff's mccabe
check (C901) puts above ``--complexity`` (default 15), then a one-line summary of the maxima.
A function's length is counted from its ``def`` (decorators excluded) to its last line.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
from pathlib import Path

RUFF_MESSAGE = re.compile(r"`(?P<name>[^`]+)` is too complex \((?P<value>\d+) > \d+\)")


def python_files(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        out.extend(sorted(p.rglob("*.py")) if p.is_dir() else [p])
    return out


def function_lengths(path: Path) -> list[tuple[str, int]]:
    """(qualified name, lines) of every function and method in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                found.append((name, (child.end_lineno or child.lineno) - child.lineno + 1))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def complexities(files: list[Path], ruff: str, threshold: int) -> list[tuple[str, str, int]]:
    """(file, function, complexity) for every function above the threshold, from ruff's C901."""
    proc = subprocess.run(
        [ruff, "check", "--select", "C901", "--config", f"lint.mccabe.max-complexity={threshold}", "--output-format", "json", "--exit-zero"]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        check=True,
    )
    out = []
    for row in json.loads(proc.stdout or "[]"):
        m = RUFF_MESSAGE.search(row["message"])
        if m:
            out.append((str(Path(row["filename"]).resolve().relative_to(Path.cwd().resolve())), m["name"], int(m["value"])))
    return sorted(out, key=lambda r: -r[2])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=["sim", "agents", "dashboard"])
    parser.add_argument("--lines", type=int, default=800, help="list modules longer than this")
    parser.add_argument("--function-lines", type=int, default=100, help="list functions longer than this")
    parser.add_argument("--complexity", type=int, default=15, help="list functions more complex than this")
    parser.add_argument("--ruff", default=str(Path(sys.executable).parent / "ruff"))
    args = parser.parse_args(argv)

    files = python_files(args.paths)
    sizes = {f: len(f.read_text(encoding="utf-8").splitlines()) for f in files}
    longest: list[tuple[int, str]] = []
    for f in files:
        longest.extend((n, f"{f}:{name}") for name, n in function_lengths(f))
    longest.sort(reverse=True)
    complex_ = complexities(files, args.ruff, args.complexity)

    print(f"modules over {args.lines} lines:")
    for f, n in sorted(sizes.items(), key=lambda kv: -kv[1]):
        if n > args.lines:
            print(f"  {n:6d}  {f}")
    print(f"functions over {args.function_lines} lines:")
    for n, where in longest:
        if n > args.function_lines:
            print(f"  {n:6d}  {where}")
    print(f"functions above complexity {args.complexity}:")
    for f, name, c in complex_:
        print(f"  {c:6d}  {f}:{name}")
    biggest = max(sizes.items(), key=lambda kv: kv[1])
    print(
        f"summary: {len(files)} modules, {sum(sizes.values())} lines; largest module {biggest[1]} ({biggest[0]}); "
        f"longest function {longest[0][0] if longest else 0} ({longest[0][1] if longest else '-'}); "
        f"max complexity {complex_[0][2] if complex_ else f'<= {args.complexity}'}"
        + (f" ({complex_[0][0]}:{complex_[0][1]})" if complex_ else "")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
