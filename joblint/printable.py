"""Text from files and from the command line, made safe to print on a terminal.

A message quotes what the code holds (a queue name, a string literal, a path), and an
excerpt shows a line of the file as it is: either may carry an escape sequence that
recolours the terminal, sets its title or moves the cursor, or a backspace or carriage
return that hides part of a line. Shown as they are, they could make a finding unreadable
or a line say what the file does not. As ruff does, each C0 control character is shown as
its Unicode control picture (ESC as ␛, BS as ␈) and DEL as ␡: one character for one, so a
caret computed on the shown text stays under its column. The C1 controls (U+0080 to
U+009F, which some terminals also obey) have no pictures and are shown as ``\\x9b``.
A tab is left alone: it moves the cursor but hides nothing, and excerpts expand it first.
"""

from __future__ import annotations

_PICTURES = {code: chr(0x2400 + code) for code in range(0x20) if code != 0x09}
_PICTURES[0x7F] = "\u2421"
_ESCAPES = {code: f"\\x{code:02x}" for code in range(0x80, 0xA0)}
_SHOWN = str.maketrans({**_PICTURES, **_ESCAPES})
# For formats with their own encoding of line breaks (GitHub's %0A).
_SHOWN_BUT_LINE_BREAKS = str.maketrans(
    {code: shown for code, shown in {**_PICTURES, **_ESCAPES}.items() if code not in (10, 13)}
)


def printable(text: str, *, keep_line_breaks: bool = False) -> str:
    """``text`` with its control characters shown as visible symbols."""
    return text.translate(_SHOWN_BUT_LINE_BREAKS if keep_line_breaks else _SHOWN)
