#!/usr/bin/env python3
"""Generate ProcAudit's Linux syscall number -> name tables from kernel UAPI headers.

Writes
    src/ProcAudit/Capture/Syscalls/SyscallTable.X64.g.cs    (s_x64Names)
    src/ProcAudit/Capture/Syscalls/SyscallTable.Arm64.g.cs  (s_arm64Names)

x86-64 comes from the kernel-generated asm/unistd_64.h, which is already a flat
list of "#define __NR_<name> <number>".

arm64 has no table of its own: its uapi <asm/unistd.h> defines a few
__ARCH_WANT_* switches and includes <asm-generic/unistd.h>.  That header is read
on any host (it is arch-independent), and its #if/#ifdef blocks are evaluated
with the macros arm64 defines, so syscalls an arch must opt into (renameat,
getrlimit, ...) are included exactly when arm64 opts in.  The __NR3264_* slots
get the names the header's own 64-bit alias block gives them (__NR_fcntl,
__NR_lseek, __NR_newfstatat, __NR_mmap, ...), which are the names arm64 uses.

Usage:
    python3 tools/gen-syscalls.py            # regenerate both files
    python3 tools/gen-syscalls.py --check    # exit 1 if the files are stale

Only the python3 standard library is used.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO_ROOT, "src", "ProcAudit", "Capture", "Syscalls")

DEFAULT_X64_HEADER = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"
DEFAULT_GENERIC_HEADER = "/usr/include/asm-generic/unistd.h"

REGENERATE_COMMAND = "python3 tools/gen-syscalls.py"

# What arch/arm64/include/uapi/asm/unistd.h defines before including
# <asm-generic/unistd.h> (kernels 5.12 .. 6.10; 6.11+ express the same set as
# "syscall_abis_64 += renameat newstat rlimit memfd_secret" in
# arch/arm64/kernel/Makefile.syscalls, and clone3 became unconditional).
# __BITS_PER_LONG comes from <asm/bitsperlong.h>, which the generic header
# includes; __SYSCALL_COMPAT (aarch32 compat) and __ARCH_NOMMU stay undefined.
ARM64_PREDEFINED: dict[str, str] = {
    "__BITS_PER_LONG": "64",
    "__ARCH_WANT_RENAMEAT": "",
    "__ARCH_WANT_NEW_STAT": "",
    "__ARCH_WANT_SET_GET_RLIMIT": "",
    "__ARCH_WANT_TIME32_SYSCALLS": "",
    "__ARCH_WANT_SYS_CLONE3": "",
    "__ARCH_WANT_MEMFD_SECRET": "",
}

# __NR_* macros that are bookkeeping, not syscalls.
NON_SYSCALL_MACROS = {"__NR_syscalls", "__NR_arch_specific_syscall"}


class HeaderError(Exception):
    pass


# --------------------------------------------------------------------------
# A deliberately small C preprocessor: enough for the kernel's unistd headers
# (#if/#ifdef/#ifndef/#elif/#else/#endif/#define/#undef with defined(),
# integer comparisons and && || !).  Anything it does not understand is an
# error rather than a guess, so a future header change cannot silently produce
# a wrong table.
# --------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"\s*(?:(\d+)[uUlL]*|([A-Za-z_]\w*)|(\|\||&&|==|!=|<=|>=|[()!<>]))")


def _tokenize(expr: str, where: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    expr = expr.strip()
    while pos < len(expr):
        m = _TOKEN_RE.match(expr, pos)
        if not m or m.end() == pos:
            raise HeaderError(f"{where}: cannot parse #if expression {expr!r}")
        tokens.append(next(g for g in m.groups() if g is not None))
        pos = m.end()
    return tokens


class _ExprParser:
    """Recursive descent over C's precedence: || < && < ==,!= < relational < unary."""

    def __init__(self, tokens: list[str], macros: dict[str, str], where: str):
        self.tokens = tokens
        self.pos = 0
        self.macros = macros
        self.where = where

    def parse(self) -> int:
        value = self._or()
        if self.pos != len(self.tokens):
            raise HeaderError(f"{self.where}: trailing tokens in #if: {self.tokens[self.pos:]}")
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> str:
        tok = self._peek()
        if tok is None or (expected is not None and tok != expected):
            raise HeaderError(f"{self.where}: expected {expected or 'a token'} in #if, got {tok!r}")
        self.pos += 1
        return tok

    def _or(self) -> int:
        value = self._and()
        while self._peek() == "||":
            self._take()
            rhs = self._and()
            value = int(bool(value) or bool(rhs))
        return value

    def _and(self) -> int:
        value = self._equality()
        while self._peek() == "&&":
            self._take()
            rhs = self._equality()
            value = int(bool(value) and bool(rhs))
        return value

    def _equality(self) -> int:
        value = self._relational()
        while self._peek() in ("==", "!="):
            op = self._take()
            rhs = self._relational()
            value = int(value == rhs) if op == "==" else int(value != rhs)
        return value

    def _relational(self) -> int:
        value = self._unary()
        while self._peek() in ("<", ">", "<=", ">="):
            op = self._take()
            rhs = self._unary()
            value = int({"<": value < rhs, ">": value > rhs, "<=": value <= rhs, ">=": value >= rhs}[op])
        return value

    def _unary(self) -> int:
        tok = self._take()
        if tok == "!":
            return int(not self._unary())
        if tok == "(":
            value = self._or()
            self._take(")")
            return value
        if tok == "defined":
            if self._peek() == "(":
                self._take("(")
                name = self._take()
                self._take(")")
            else:
                name = self._take()
            return int(name in self.macros)
        if tok.isdigit():
            return int(tok)
        if re.fullmatch(r"[A-Za-z_]\w*", tok):
            # C semantics: an identifier that is not a macro evaluates to 0.
            body = self.macros.get(tok, "0").strip() or "0"
            if not re.fullmatch(r"\d+", body):
                raise HeaderError(f"{self.where}: macro {tok} = {body!r} is not an integer")
            return int(body)
        raise HeaderError(f"{self.where}: unexpected token {tok!r} in #if")


def _logical_lines(path: str):
    """Yield (line_number, text) with comments removed and continuations joined."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    # Blank out comments but keep newlines so line numbers stay right.
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    pending = ""
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        yield start, pending + line
        pending = ""
    if pending:
        yield start, pending


def preprocess_defines(path: str, predefined: dict[str, str]) -> dict[str, str]:
    """Return the object-like macros defined after evaluating the header's conditionals."""
    macros = dict(predefined)
    # Each frame: (this branch active, some branch of this #if already taken, parent active)
    stack: list[tuple[bool, bool, bool]] = []
    active = True
    for number, line in _logical_lines(path):
        where = f"{path}:{number}"
        m = re.match(r"\s*#\s*(\w+)\s*(.*?)\s*$", line)
        if not m:
            continue
        directive, rest = m.group(1), m.group(2)
        if directive in ("if", "ifdef", "ifndef"):
            if not active:
                cond = False
            elif directive == "ifdef":
                cond = rest.split()[0] in macros
            elif directive == "ifndef":
                cond = rest.split()[0] not in macros
            else:
                cond = bool(_ExprParser(_tokenize(rest, where), macros, where).parse())
            stack.append((cond, cond, active))
            active = cond
        elif directive == "elif":
            if not stack:
                raise HeaderError(f"{where}: #elif without #if")
            _, taken, parent = stack.pop()
            cond = parent and not taken and bool(_ExprParser(_tokenize(rest, where), macros, where).parse())
            stack.append((cond, taken or cond, parent))
            active = cond
        elif directive == "else":
            if not stack:
                raise HeaderError(f"{where}: #else without #if")
            _, taken, parent = stack.pop()
            cond = parent and not taken
            stack.append((cond, True, parent))
            active = cond
        elif directive == "endif":
            if not stack:
                raise HeaderError(f"{where}: #endif without #if")
            _, _, parent = stack.pop()
            active = parent
        elif not active:
            continue
        elif directive == "define":
            dm = re.match(r"([A-Za-z_]\w*)(\()?\s*(.*)$", rest)
            if not dm:
                raise HeaderError(f"{where}: cannot parse #define {rest!r}")
            if dm.group(2) is None:  # function-like macros (__SYSCALL etc.) are irrelevant here
                macros[dm.group(1)] = dm.group(3).strip()
        elif directive == "undef":
            macros.pop(rest.split()[0], None)
        elif directive in ("include", "error", "warning", "pragma"):
            # The generic header only includes <asm/bitsperlong.h>, whose one
            # relevant macro is predefined by the caller.
            continue
        else:
            raise HeaderError(f"{where}: unsupported directive #{directive}")
    if stack:
        raise HeaderError(f"{path}: unterminated #if")
    return macros


def syscalls_from_macros(macros: dict[str, str], where: str) -> dict[int, str]:
    """Map number -> name from __NR_<name> macros, resolving aliases like __NR_fcntl -> __NR3264_fcntl."""

    def resolve(name: str, seen: tuple[str, ...] = ()) -> int:
        body = macros[name].strip()
        if re.fullmatch(r"\d+", body):
            return int(body)
        if body in macros and body not in seen:
            return resolve(body, seen + (name,))
        raise HeaderError(f"{where}: {name} = {body!r} does not resolve to a number")

    table: dict[int, str] = {}
    used_3264: set[str] = set()
    for macro, body in macros.items():
        if not macro.startswith("__NR_") or macro in NON_SYSCALL_MACROS:
            continue
        number = resolve(macro)
        name = macro[len("__NR_"):]
        if number in table:
            raise HeaderError(f"{where}: syscall {number} is both {table[number]} and {name}")
        table[number] = name
        if body.strip().startswith("__NR3264_"):
            used_3264.add(body.strip())
    # Every __NR3264_ slot must have received a real name from the alias block;
    # otherwise the table would silently have a hole where a syscall exists.
    unnamed = sorted(m for m in macros if m.startswith("__NR3264_") and m not in used_3264)
    if unnamed:
        raise HeaderError(f"{where}: no 64-bit alias for {', '.join(unnamed)}")
    if not table:
        raise HeaderError(f"{where}: no __NR_ definitions found")
    return table


def kernel_headers_version(header: str) -> str | None:
    """Read LINUX_VERSION_* from the linux/version.h that ships next to the header, if any."""
    directory = os.path.dirname(os.path.abspath(header))
    for _ in range(3):
        directory = os.path.dirname(directory)
        candidate = os.path.join(directory, "linux", "version.h")
        if os.path.isfile(candidate):
            with open(candidate, encoding="utf-8") as f:
                text = f.read()
            parts = [re.search(rf"#define LINUX_VERSION_{p}\s+(\d+)", text) for p in ("MAJOR", "PATCHLEVEL", "SUBLEVEL")]
            if all(parts):
                return ".".join(p.group(1) for p in parts)  # type: ignore[union-attr]
            code = re.search(r"#define LINUX_VERSION_CODE\s+(\d+)", text)
            if code:
                value = int(code.group(1))
                return f"{value >> 16}.{(value >> 8) & 0xFF}.{value & 0xFF}"
    return None


@dataclass
class Table:
    arch_title: str
    file_suffix: str
    field: str
    source_header: str
    source_note: str
    names: dict[int, str]


def render(table: Table) -> str:
    version = kernel_headers_version(table.source_header)
    version_note = f" (Linux UAPI headers {version})" if version else ""
    highest = max(table.names)
    width = len(str(highest))
    lines = [
        "// <auto-generated>",
        f"//   Generated by tools/gen-syscalls.py from {table.source_header}{version_note}.",
    ]
    lines += [f"//   {note}" for note in table.source_note.splitlines()]
    lines += [
        f"//   Do not edit by hand; regenerate with: {REGENERATE_COMMAND}",
        "// </auto-generated>",
        "",
        "// Generated files default to a disabled nullable context; the table holds nulls for holes.",
        "#nullable enable",
        "",
        "namespace ProcAudit.Capture.Syscalls;",
        "",
        "internal static partial class SyscallTable",
        "{",
        f"    /// <summary>{table.arch_title} syscall names indexed by syscall number; null where no syscall is assigned.</summary>",
        f"    private static readonly string?[] {table.field} =",
        "    [",
    ]
    for number in range(highest + 1):
        name = table.names.get(number)
        value = f'"{name}"' if name is not None else "null"
        lines.append(f"        /* {number:>{width}} */ {value},")
    lines += ["    ];", "}", ""]
    return "\n".join(lines)


def build_tables(x64_header: str, generic_header: str) -> list[Table]:
    x64 = syscalls_from_macros(preprocess_defines(x64_header, {}), x64_header)
    arm64 = syscalls_from_macros(preprocess_defines(generic_header, ARM64_PREDEFINED), generic_header)
    return [
        Table(
            arch_title="x86-64",
            file_suffix="X64",
            field="s_x64Names",
            source_header=x64_header,
            source_note="x86-64 native (64-bit) ABI only; x32 and i386 compat numbers are not included.",
            names=x64,
        ),
        Table(
            arch_title="arm64 (aarch64)",
            file_suffix="Arm64",
            field="s_arm64Names",
            source_header=generic_header,
            source_note=(
                "arm64 uses the generic table, evaluated with __BITS_PER_LONG=64 and the __ARCH_WANT_*\n"
                "macros arm64 defines:\n"
                + "".join(f"  {k}\n" for k in sorted(ARM64_PREDEFINED) if k.startswith("__ARCH_WANT_"))
                + "__NR3264_* slots carry their 64-bit names (fcntl, lseek, newfstatat, fstat, mmap, ...)."
            ),
            names=arm64,
        ),
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--x64-header", default=DEFAULT_X64_HEADER, help=f"default: {DEFAULT_X64_HEADER}")
    parser.add_argument("--generic-header", default=DEFAULT_GENERIC_HEADER, help=f"default: {DEFAULT_GENERIC_HEADER}")
    parser.add_argument("--out-dir", default=OUT_DIR, help="directory for the .g.cs files")
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if a file differs")
    args = parser.parse_args(argv)

    try:
        tables = build_tables(args.x64_header, args.generic_header)
    except (OSError, HeaderError) as e:
        print(f"gen-syscalls: {e}", file=sys.stderr)
        return 2

    stale = False
    for table in tables:
        path = os.path.join(args.out_dir, f"SyscallTable.{table.file_suffix}.g.cs")
        content = render(table)
        if args.check:
            try:
                with open(path, encoding="utf-8") as f:
                    current = f.read()
            except OSError:
                current = None
            if current != content:
                print(f"gen-syscalls: {path} is out of date; run: {REGENERATE_COMMAND}", file=sys.stderr)
                stale = True
            continue
        os.makedirs(args.out_dir, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(content)
        print(f"wrote {os.path.relpath(path, REPO_ROOT)}: {len(table.names)} syscalls, max {max(table.names)}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
