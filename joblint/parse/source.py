"""Reading a file into text, or saying precisely why it cannot be read (JOB002).

Decoding follows Python's own rules (PEP 263 coding cookie, UTF-8 BOM, UTF-8 by default)
through ``tokenize.detect_encoding``, so joblint reads exactly the files the interpreter
would and rejects exactly the ones it would reject.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

# A word: a maximal run of ASCII letters, digits and underscores, as the prefilter and
# the frontends' needle tests read a file.
WORD = re.compile(rb"\w+")


# Where Python ends a line (and libcst counts one); `str.splitlines` also splits at form
# feeds and other separators, which would shift every line number after them.
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """``text``'s lines as the parser numbers them (a text ending in a line break ends in
    an empty string, as ``str.split`` gives it)."""
    return LINE_BREAK.split(text)


@dataclass(frozen=True)
class SourceFile:
    path: Path
    data: bytes
    text: str
    encoding: str

    @cached_property
    def words(self) -> frozenset[bytes]:
        """The file's words (maximal runs of ASCII letters, digits and underscores): the
        prefilter and the frontends look a name up here instead of searching the bytes,
        once per file however many names and rounds there are."""
        return frozenset(WORD.findall(self.data))


@dataclass(frozen=True)
class ReadFailure:
    """Why a file could not become text, and where (1-based line and column)."""

    path: Path
    message: str
    line: int = 1
    column: int = 1


def read_source(path: Path) -> SourceFile | ReadFailure:
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        return ReadFailure(path, "is a directory, not a Python file")
    except PermissionError:
        return ReadFailure(path, "cannot be read: permission denied")
    except FileNotFoundError:
        if path.is_symlink():
            return ReadFailure(path, "is a symbolic link to a file that does not exist")
        return ReadFailure(path, "disappeared before it could be read")
    except OSError as error:
        return ReadFailure(path, f"cannot be read: {error.strerror or error}")
    return decode_source(path, data)


def decode_source(path: Path, data: bytes) -> SourceFile | ReadFailure:
    if b"\x00" in data:
        line, column = _line_column(data, data.index(b"\x00"))
        return ReadFailure(path, "is a binary file (contains a NUL byte)", line, column)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        # detect_encoding also raises when the first lines are not valid UTF-8 and no
        # cookie says otherwise: that is a decoding problem, reported at its byte.
        encoding = "utf-8"
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            pass
        else:
            return ReadFailure(path, f"has an invalid encoding declaration: {error.msg}")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line, column = _line_column(data, error.start)
        return ReadFailure(
            path,
            f"is not valid {encoding}: byte 0x{data[error.start]:02x} cannot be decoded; "
            "save it as UTF-8 or declare its encoding with a coding comment",
            line,
            column,
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    return SourceFile(path=path, data=data, text=text, encoding=encoding)


def _line_column(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return line, column
