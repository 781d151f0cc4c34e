"""Single-line mutation testing of one Python module against a test command (standard library only).

Each mutant changes one line of --file: a comparison (< <= > >=, == !=, is / is not, in / not in),
an arithmetic operator (+ -, * /, also in += -= *= /=), and / or, True / False, a number
(0 -> 1, 1 -> 0, c -> c + 1), a removed `not`, abs(x) -> (x), min / max, `return x` -> `return None`,
or a simple one-line statement replaced by `pass`. Comments, docstrings and other strings are never
touched, and a mutant that does not compile is dropped. Each mutant is written over the file in place,
the test command runs (its exit status decides: 0 survived, anything else killed, past --timeout
timeout), and the original file (bytes and modification time) is restored afterwards, also on an
error, Ctrl-C or SIGTERM. The test command first runs once on the unmutated file and must pass.

Usage:
    python scripts/mutate.py --file src/plasticnets/analysis/claims.py \\
        --tests "python -m pytest -x -q tests/test_claims.py" --out mutants.md \\
        [--lines 120-200,_evaluate_row,Class.method] [--max N] [--timeout 60] [--ids 3,17] [--list]
        [--fail-under 90]

Mutant ids number every mutant of the whole file in source order, so they stay the same whatever
--lines selects (rerun survivors after new tests with --ids). --max N keeps N mutants spread evenly
over the selection. The Markdown report is rewritten after every mutant. --fail-under P exits 1 when fewer than P % of the
mutants run were killed (a timeout counts as killed): ``make mutate`` keeps the recorded kill rates as floors, so a
change that weakens the tests fails it.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

COMPARE_SWAPS = {ast.Lt: ("<", ["<=", ">"]), ast.LtE: ("<=", ["<", ">="]), ast.Gt: (">", [">=", "<"]),
                 ast.GtE: (">=", [">", "<="]), ast.Eq: ("==", ["!="]), ast.NotEq: ("!=", ["=="]),
                 ast.Is: ("is", ["is not"]), ast.IsNot: ("is not", ["is"]), ast.In: ("in", ["not in"]),
                 ast.NotIn: ("not in", ["in"])}
BINOP_SWAPS = {ast.Add: ("+", "-"), ast.Sub: ("-", "+"), ast.Mult: ("*", "/"), ast.Div: ("/", "*")}
BOOLOP_SWAPS = {ast.And: ("and", "or"), ast.Or: ("or", "and")}
NAME_SWAPS = {"min": "max", "max": "min", "minimum": "maximum", "maximum": "minimum"}
DELETABLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return, ast.Raise, ast.Assert, ast.Delete,
             ast.Break, ast.Continue)


@dataclass(frozen=True)
class Mutant:
    id: int
    line: int          # 1-based
    original: str      # the line before (without its newline)
    mutated: str       # the line after
    kind: str          # what changed, e.g. "< -> <="


# ----------------------------------------------------------------------------------------- generation


def _edits(tree: ast.AST, lines: list[bytes]):
    """(line, start byte, end byte, replacement, description) for every single-line mutation."""
    in_fstring = {id(n) for j in ast.walk(tree) if isinstance(j, ast.JoinedStr) for n in ast.walk(j)}
    docstrings = {id(body[0]) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and (body := n.body) and isinstance(body[0], ast.Expr)
                  and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)}
    statements_on_line: dict[int, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt):
            statements_on_line[node.lineno] = statements_on_line.get(node.lineno, 0) + 1
    # a block's last `return x` replaced by `pass` is the same mutant as `return None`
    final_returns = {id(block[-1]) for n in ast.walk(tree) for field in ("body", "orelse", "finalbody")
                     if isinstance(block := getattr(n, field, None), list) and block
                     and isinstance(block[-1], ast.Return)}

    def single_line(node):
        return node.lineno == node.end_lineno

    def between(left, right, op: str, swaps: list[str]):
        """Swaps of the operator ``op`` between two operands on one line (only brackets and blanks beside it)."""
        if left.end_lineno != right.lineno:
            return
        start = left.end_col_offset
        gap = lines[left.end_lineno - 1][start:right.col_offset]
        found = re.fullmatch(rb"[\s()]*(" + re.escape(op.encode()).replace(b"\\ ", rb"\s+") + rb")[\s()]*", gap)
        if found:
            for new in swaps:
                yield left.end_lineno, start + found.start(1), start + found.end(1), new, f"{op} -> {new}"

    for node in ast.walk(tree):
        if id(node) in in_fstring:
            continue
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for i, op in enumerate(node.ops):
                text, swaps = COMPARE_SWAPS[type(op)]
                yield from between(operands[i], operands[i + 1], text, swaps)
        elif isinstance(node, ast.BinOp) and type(node.op) in BINOP_SWAPS:
            text, new = BINOP_SWAPS[type(node.op)]
            yield from between(node.left, node.right, text, [new])
        elif isinstance(node, ast.AugAssign) and type(node.op) in BINOP_SWAPS:
            text, new = BINOP_SWAPS[type(node.op)]
            yield from between(node.target, node.value, text + "=", [new + "="])
        elif isinstance(node, ast.BoolOp):
            text, new = BOOLOP_SWAPS[type(node.op)]
            for left, right in zip(node.values, node.values[1:]):
                yield from between(left, right, text, [new])
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            found = re.match(rb"not\s*", lines[node.lineno - 1][node.col_offset:])  # keep a bracket after it
            yield node.lineno, node.col_offset, node.col_offset + found.end(), "", "not x -> x"
        elif isinstance(node, ast.Constant) and single_line(node):
            value = node.value
            if isinstance(value, bool):
                new = repr(not value)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                new = repr(type(value)(1 if value == 0 else 0 if value == 1 else value + 1))
            else:
                continue
            old = lines[node.lineno - 1][node.col_offset:node.end_col_offset].decode()
            yield node.lineno, node.col_offset, node.end_col_offset, new, f"{old} -> {new}"
        elif isinstance(node, ast.Name) and node.id in NAME_SWAPS:
            yield node.lineno, node.col_offset, node.end_col_offset, NAME_SWAPS[node.id], \
                f"{node.id} -> {NAME_SWAPS[node.id]}"
        elif isinstance(node, ast.Attribute) and node.attr in NAME_SWAPS and single_line(node):
            end = node.end_col_offset
            yield node.lineno, end - len(node.attr), end, NAME_SWAPS[node.attr], \
                f".{node.attr} -> .{NAME_SWAPS[node.attr]}"
        if isinstance(node, ast.Call) and single_line(node) and len(node.args) == 1 and not node.keywords and (
                (isinstance(node.func, ast.Name) and node.func.id == "abs")
                or (isinstance(node.func, ast.Attribute) and node.func.attr in ("abs", "absolute"))):
            arg = node.args[0]
            inner = lines[node.lineno - 1][arg.col_offset:arg.end_col_offset].decode()
            yield node.lineno, node.col_offset, node.end_col_offset, f"({inner})", "abs(x) -> x"
        if isinstance(node, ast.Return) and node.value is not None and single_line(node) and not (
                isinstance(node.value, ast.Constant) and node.value.value is None):
            yield node.lineno, node.value.col_offset, node.value.end_col_offset, "None", "return x -> return None"
        if (isinstance(node, DELETABLE) and single_line(node) and id(node) not in docstrings | final_returns
                and statements_on_line[node.lineno] == 1):
            yield node.lineno, node.col_offset, node.end_col_offset, "pass", "statement -> pass"


def generate(source: str) -> list[Mutant]:
    """Every compilable single-line mutant of ``source``, in source order (line, column, replacement)."""
    tree = ast.parse(source)
    lines = [line.encode() for line in source.split("\n")]
    mutants, seen = [], set()
    for line, start, end, new, kind in sorted(set(_edits(tree, lines)), key=lambda e: e[:4]):
        old = lines[line - 1]
        changed = old[:start] + new.encode() + old[end:]
        if changed == old or (line, changed) in seen:
            continue
        mutated_source = _replace_line(source, line, changed.decode())
        try:
            compile(mutated_source, "<mutant>", "exec")
        except SyntaxError:
            continue
        seen.add((line, changed))
        mutants.append(Mutant(len(mutants) + 1, line, old.decode(), changed.decode(), kind))
    return mutants


def _replace_line(source: str, line: int, text: str) -> str:
    lines = source.split("\n")  # line numbers as the parser counts them (splitlines() also splits at \f, \x1c...)
    lines[line - 1] = text
    return "\n".join(lines)


def apply(source: str, mutant: Mutant) -> str:
    """``source`` with the mutant's line replaced."""
    current = source.split("\n")[mutant.line - 1]
    if current != mutant.original:
        raise ValueError(f"line {mutant.line} is no longer {mutant.original!r}")
    return _replace_line(source, mutant.line, mutant.mutated)


def select_lines(source: str, spec: str | None) -> set[int] | None:
    """Line numbers named by --lines: ranges (120-200), single lines, function or class names (Class.method)."""
    if not spec:
        return None
    tree = ast.parse(source)
    scopes: dict[str, ast.AST] = {}

    def visit(node, prefix=""):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                scopes.setdefault(child.name, child)
                scopes[prefix + child.name] = child
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(tree)
    chosen: set[int] = set()
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        if re.fullmatch(r"\d+(-\d+)?", part):
            low, _, high = part.partition("-")
            chosen.update(range(int(low), int(high or low) + 1))
        elif part in scopes:
            node = scopes[part]
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            chosen.update(range(first, node.end_lineno + 1))
        else:
            raise SystemExit(f"--lines: {part!r} is neither a line range nor a function or class in the file")
    return chosen


def spread(mutants: list[Mutant], count: int | None) -> list[Mutant]:
    """At most ``count`` mutants, evenly spaced over the list (deterministic)."""
    if count is None or count >= len(mutants):
        return mutants
    if count <= 0:
        return []
    step = len(mutants) / count
    return [mutants[int(i * step)] for i in range(count)]


# ---------------------------------------------------------------------------------------------- running


def run_command(command: str, timeout: float) -> tuple[str, float]:
    """Run the shell command in its own process group -> (passed | failed | timeout, seconds)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # no mutant ever lands in __pycache__
    start = time.monotonic()
    proc = subprocess.Popen(command, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, env=env)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        return "timeout", time.monotonic() - start
    except BaseException:
        _kill(proc)
        raise
    return ("passed" if code == 0 else "failed"), time.monotonic() - start


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the group this script started for the command, nothing else
    except ProcessLookupError:
        pass
    proc.wait()


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def run_mutants(path: Path, mutants: list[Mutant], command: str, timeout: float, run=run_command,
                on_result=None) -> list[tuple[Mutant, str, float]]:
    """Apply each mutant to ``path`` in place, run ``command``, and restore the file (bytes and mtime) at the
    end, whatever happens. Result per mutant: killed, survived or timeout."""
    original = path.read_bytes()
    source = original.decode()
    stat = path.stat()
    results = []
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        for k, mutant in enumerate(mutants):
            path.write_bytes(apply(source, mutant).encode())
            # A modification time of its own per mutant: a stale .pyc (same size, same second) can never pass for it.
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + (k + 2) * 1_000_000_000))
            outcome, seconds = run(command, timeout)
            status = {"passed": "survived", "failed": "killed"}.get(outcome, outcome)
            results.append((mutant, status, seconds))
            if on_result:
                on_result(results)
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        signal.signal(signal.SIGTERM, previous)
    return results


def report(path: str, command: str, lines: str | None, timeout: float, baseline: float, generated: int,
           selected: int, results) -> str:
    counts = {s: sum(1 for _, status, _ in results if status == s) for s in ("killed", "survived", "timeout")}
    def cell(text):
        return "`" + text.strip().replace("|", "\\|").replace("`", "'") + "`"

    out = [f"# Mutation report: {path}", "",
           f"- command: `{command}`",
           f"- lines: {lines or 'whole file'}",
           f"- timeout per mutant: {timeout:g} s; unmutated run: {baseline:.1f} s",
           f"- mutants: {generated} generated in the file, {selected} selected, {len(results)} run: "
           f"{counts['killed']} killed, {counts['survived']} survived, {counts['timeout']} timeout", "",
           "| id | line | change | original → mutated | result | s |", "| --- | --- | --- | --- | --- | --- |"]
    for mutant, status, seconds in results:
        out.append(f"| {mutant.id} | {mutant.line} | {mutant.kind.replace('|', chr(92) + '|')} | "
                   f"{cell(mutant.original)} → {cell(mutant.mutated)} | "
                   f"{'**survived**' if status == 'survived' else status} | {seconds:.1f} |")
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--file", required=True, type=Path, help="the Python module to mutate (in place)")
    parser.add_argument("--tests", help="shell command that passes on the original, e.g. 'pytest -x -q tests/...'")
    parser.add_argument("--lines", help="restrict to lines: ranges, line numbers, function/class names (comma list)")
    parser.add_argument("--ids", help="run only these mutant ids (comma list)")
    parser.add_argument("--out", type=Path, default=Path("mutants.md"), help="Markdown report (default mutants.md)")
    parser.add_argument("--max", type=int, help="run at most N mutants, spread evenly over the selection")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per test run (default 60)")
    parser.add_argument("--list", action="store_true", help="print the mutants and exit without running anything")
    parser.add_argument("--fail-under", type=float, metavar="PERCENT",
                        help="exit 1 when fewer than PERCENT %% of the mutants run are killed (or time out)")
    args = parser.parse_args(argv)

    source = args.file.read_text()
    mutants = generate(source)
    chosen = select_lines(source, args.lines)
    selected = [m for m in mutants if chosen is None or m.line in chosen]
    if args.ids:
        wanted = {int(i) for i in args.ids.split(",")}
        selected = [m for m in selected if m.id in wanted]
    selected = spread(selected, args.max)
    if args.list:
        for m in selected:
            print(f"{m.id:4d}  line {m.line:4d}  {m.kind:28s} {m.mutated.strip()}")
        print(f"{len(selected)} of {len(mutants)} mutants", file=sys.stderr)
        return 0
    if not args.tests:
        parser.error("--tests is required unless --list")

    outcome, baseline = run_command(args.tests, args.timeout)
    if outcome != "passed":
        print(f"the test command {outcome} on the unmutated file ({baseline:.1f} s): fix that first", file=sys.stderr)
        return 2
    print(f"{len(selected)} of {len(mutants)} mutants; unmutated run {baseline:.1f} s", file=sys.stderr)

    def write(results):
        args.out.write_text(report(str(args.file), args.tests, args.lines, args.timeout, baseline, len(mutants),
                                   len(selected), results))
        mutant, status, seconds = results[-1]
        print(f"[{len(results)}/{len(selected)}] #{mutant.id} line {mutant.line} {mutant.kind}: {status} "
              f"({seconds:.1f} s)", file=sys.stderr, flush=True)

    try:
        results = run_mutants(args.file, selected, args.tests, args.timeout, on_result=write)
    except KeyboardInterrupt:
        print(f"interrupted: {args.file} restored; partial report in {args.out}", file=sys.stderr)
        return 130
    if not results:
        args.out.write_text(report(str(args.file), args.tests, args.lines, args.timeout, baseline, len(mutants), 0, []))
    survived = sum(1 for _, status, _ in results if status == "survived")
    print(f"{len(results) - survived} killed or timed out, {survived} survived; report: {args.out}", file=sys.stderr)
    rate = 100.0 * (len(results) - survived) / len(results) if results else 100.0
    if args.fail_under is not None and rate < args.fail_under:
        print(f"kill rate {rate:.1f} % is below the floor {args.fail_under:g} %: a change weakened the tests "
              f"(survivors in {args.out})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
