"""``# noqa`` comments, read the way flake8 and ruff read them so one comment serves all
three tools: ``# noqa`` silences every finding on its line, ``# noqa: JOB101, JOB102``
only those codes. ``# joblint: noqa`` on a line of its own skips the whole file
(``# joblint: noqa: JOB101`` silences one code in the whole file).

A written code silences every code it starts, as flake8 matches them: ``# noqa: JOB2``
silences JOB201 to JOB207. ruff matches whole codes only, but ruff has no JOB rules to
silence; it only has to leave JOB codes alone, which its ``lint.external`` setting is for.

Comments are found with ``tokenize``, so a ``# noqa`` inside a string is not a comment.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

from joblint.diagnostics import Diagnostic

# flake8's own pattern (flake8/defaults.py), anchored on the comment's `#`.
NOQA_INLINE = re.compile(
    r"#\s*noqa"
    r"(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
NOQA_FILE = re.compile(
    r"^#\s*joblint\s*:\s*noqa(?::\s?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?"
    r"\s*(?:#.*)?$",
    re.IGNORECASE,
)
ANY_FILE_NOQA = re.compile(r"#\s*joblint\s*:\s*noqa", re.IGNORECASE)
# What follows a code-less noqa when the author meant codes (`noqa JOB101`,
# `noqa : JOB101`, `noqa:  JOB101`, `noqa: JOB` for every joblint code): flake8 reads each
# as a blanket noqa.
MEANT_CODE = r"(?:[A-Z]+[0-9]+|JOB\b)"
MEANT_CODES = re.compile(rf"\s*:?\s*(?P<codes>{MEANT_CODE}(?:[,\s]+{MEANT_CODE})*)", re.IGNORECASE)
CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
ANY_NOQA = re.compile(r"noqa", re.IGNORECASE)
INVALID_SUPPRESSION = "JOB003"


@dataclass(frozen=True)
class CodeMention:
    """One code written in a noqa comment, with its position (1-based)."""

    code: str
    line: int
    column: int


@dataclass(frozen=True)
class Misuse:
    """A suppression comment that does not do what it looks like it does."""

    line: int
    column: int
    length: int
    message: str


@dataclass(frozen=True)
class Suppressions:
    # line -> codes silenced there; None means every code.
    lines: dict[int, frozenset[str] | None] = field(default_factory=dict)
    # codes silenced in the whole file; None means the whole file is skipped.
    file_codes: frozenset[str] | None = frozenset()
    mentions: tuple[CodeMention, ...] = ()
    misuses: tuple[Misuse, ...] = ()

    @property
    def skips_file(self) -> bool:
        return self.file_codes is None

    def suppresses(self, diagnostic: Diagnostic) -> bool:
        if self.file_codes is None or silences(self.file_codes, diagnostic.code):
            return True
        if diagnostic.line not in self.lines:
            return False
        codes = self.lines[diagnostic.line]
        if codes is None:
            # A finding about the noqa comment itself must not be hidden by that comment.
            return diagnostic.code != INVALID_SUPPRESSION
        return silences(codes, diagnostic.code)

    def mentions_of_no_rule(self, rule_codes: Collection[str]) -> Iterator[CodeMention]:
        """The JOB codes written in noqa comments that silence none of ``rule_codes``: a
        typo, or a rule this version does not have. Another tool's codes are its own."""
        for mention in self.mentions:
            if mention.code.startswith("JOB") and not any(
                silences((mention.code,), code) for code in rule_codes
            ):
                yield mention


def silences(written: Collection[str], code: str) -> bool:
    """Whether the codes written in a noqa comment silence ``code``. flake8's test
    (``Violation.is_inline_ignored``): a written code silences the codes it starts, so a
    comment means the same to joblint and to flake8 running joblint's plugin."""
    return code in written or code.startswith(tuple(written))


NO_SUPPRESSIONS = Suppressions()


def scan_suppressions(text: str, yaml: bool = False) -> Suppressions:
    """The suppressions in a Python file, or with ``yaml`` in a YAML config file (whose
    comments also start with ``#``; JOB7xx findings are located there)."""
    if not ANY_NOQA.search(text):
        return NO_SUPPRESSIONS
    lines: dict[int, frozenset[str] | None] = {}
    file_codes: set[str] | None = set()
    mentions: list[CodeMention] = []
    misuses: list[Misuse] = []
    tokens = None if yaml else _token_list(text)
    if yaml:
        comments = _yaml_comments(text)
    else:
        comments = _comments_by_line(text) if tokens is None else _comments_of(tokens)
    for line, column, comment, own_line in comments:
        file_match = NOQA_FILE.match(comment) if own_line else None
        if file_match is None and (misplaced := ANY_FILE_NOQA.search(comment)):
            misuses.append(
                Misuse(
                    line,
                    column + misplaced.start(),
                    len(misplaced.group()),
                    "`# joblint: noqa` works only on a line of its own; move it there, or "
                    "use `# noqa: CODE` to silence this line",
                )
            )
            continue
        if file_match is not None:
            codes = _codes(file_match.group("codes"), file_match.start("codes"))
            if not codes:
                file_codes = None
            elif file_codes is not None:
                file_codes.update(code for code, _ in codes)
            mentions.extend(CodeMention(code, line, column + offset) for code, offset in codes)
            continue
        inline = NOQA_INLINE.search(comment)
        if inline is None:
            continue
        codes = _codes(inline.group("codes"), inline.start("codes"))
        if not codes and _meant_joblint_codes(comment, inline.end()):
            misuses.append(
                Misuse(
                    line,
                    column + inline.start(),
                    len(comment) - inline.start(),
                    "this noqa comment is read as a blanket `# noqa` (by flake8 too) and "
                    "silences every rule on the line; write `# noqa: CODE, CODE`",
                )
            )
        if not codes:
            lines[line] = None
        elif lines.get(line, frozenset()) is not None:
            lines[line] = frozenset(lines.get(line) or ()) | {code for code, _ in codes}
        mentions.extend(CodeMention(code, line, column + offset) for code, offset in codes)
    if not yaml:
        # As flake8 and ruff read it: a noqa after a multi-line string or a backslash
        # continuation covers the statement's lines.
        for inner, last in ({} if tokens is None else _moved_lines(tokens)).items():
            if last in lines:
                here, there = lines.get(inner, frozenset()), lines[last]
                lines[inner] = None if here is None or there is None else here | there
    return Suppressions(
        lines=lines,
        file_codes=None if file_codes is None else frozenset(file_codes),
        mentions=tuple(mentions),
        misuses=tuple(misuses),
    )


def comment_lines(text: str) -> dict[int, int]:
    """Where a comment for a line must go, for the lines that cannot hold one: a line
    inside a multi-line string, or one continued with a backslash, maps to the next line
    that ends (where tokenize puts a NEWLINE or NL token), the first place Python sees a
    comment. flake8 and ruff read a noqa there as covering the whole statement."""
    tokens = _token_list(text)
    return {} if tokens is None else _moved_lines(tokens)


def _moved_lines(tokens: list[tokenize.TokenInfo]) -> dict[int, int]:
    ends = sorted({token.start[0] for token in tokens if token.type in _LINE_ENDS})
    moved: dict[int, int] = {}
    following = iter(ends)
    end = next(following, None)
    for line in range(1, ends[-1] if ends else 1):
        while end is not None and end < line:
            end = next(following, None)
        if end is not None and end != line:
            moved[line] = end
    return moved


_LINE_ENDS = (tokenize.NEWLINE, tokenize.NL)


def _tokens(text: str) -> Iterator[tokenize.TokenInfo]:
    """Tokens read with universal newlines, as Python reads source: a file with old Mac
    line endings (a lone CR) has as many lines for tokenize as for the parser, so its
    comments land on the lines its findings do."""
    return tokenize.generate_tokens(io.StringIO(text, newline=None).readline)


def _meant_joblint_codes(comment: str, after_noqa: int) -> bool:
    """Whether the codes written after a code-less noqa include a joblint code: only then
    is the comment joblint's business. `# noqa E501` means to the other tools what a bare
    `# noqa` means, and a bare `# noqa` is never flagged."""
    meant = MEANT_CODES.match(comment, after_noqa)
    return meant is not None and any(
        code.upper().startswith("JOB")
        for code in re.findall(MEANT_CODE, meant.group("codes"), re.IGNORECASE)
    )


def _codes(written: str | None, start: int) -> list[tuple[str, int]]:
    if not written:
        return []
    return [(match.group().upper(), start + match.start()) for match in CODE.finditer(written)]


def _token_list(text: str) -> list[tokenize.TokenInfo] | None:
    """All of ``text``'s tokens, read once for both the comments and the line map; None
    for text tokenize rejects."""
    try:
        return list(_tokens(text))
    except (tokenize.TokenError, SyntaxError):
        return None


def _comments_of(tokens: list[tokenize.TokenInfo]) -> Iterator[tuple[int, int, str, bool]]:
    """(line, 1-based column, comment text, whether the comment is alone on its line)."""
    for token in tokens:
        if token.type == tokenize.COMMENT:
            row, column = token.start
            own_line = not token.line[:column].strip()
            yield row, column + 1, token.string, own_line


def _comments_by_line(text: str) -> Iterator[tuple[int, int, str, bool]]:
    """Fallback for text tokenize rejects (it will be reported as JOB001 anyway)."""
    for number, line in enumerate(text.splitlines(), start=1):
        position = line.find("#")
        if position >= 0:
            yield number, position + 1, line[position:], not line[:position].strip()


YAML_COMMENT = re.compile(r"(?:^|(?<=\s))#")


def _yaml_comments(text: str) -> Iterator[tuple[int, int, str, bool]]:
    """A YAML comment starts with `#` at the start of a line or after a space (a `#` inside
    a word, `a#b`, is not one). Quoted scalars holding ` #` are rare in job config files."""
    for number, line in enumerate(text.splitlines(), start=1):
        match = YAML_COMMENT.search(line)
        if match is not None:
            position = match.start()
            yield number, position + 1, line[position:], not line[:position].strip()
