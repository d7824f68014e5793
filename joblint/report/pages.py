"""Rule pages (``rules/JOBnnn.md``): where they are, and what their examples say.

The pages are the documentation and the test data at once. A fenced ``python`` block is an
example; its role comes from its section (``## Example`` is flagged, ``## Use instead`` is
clean) unless its info string says otherwise:

- ``title="jobs/send_email_job.py"``: the file the example is written to (default
  ``example.py``), since several rules are about where a job lives;
- ``context``: a support file (``ApplicationJob``, say) written beside every example on the
  page, never checked itself;
- ``clean`` or ``flagged``: overrides the section's role (a look-alike that must stay
  silent can sit right under the flagged one);
- ``fixed``: the expected result of applying the page's fixes to the flagged example;
- ``encoding="latin-1"``: the bytes written are the text in that encoding (JOB002);
- ``illustration``: shown, not run (the default outside the example sections).

A fenced ``yaml`` block is an example too, for the rules about the job config files: its
``title`` is the file it is written to (``title="config/queue.yml"``; without one, the
block is an illustration), and the same roles apply (a ``context`` queue file gives a
Python example its workers). A YAML example is never the target of a fix. A
``toml context title="pyproject.toml"`` block configures the examples of its page
(``[tool.joblint] queues``, say).

A line whose code is expected to be flagged ends in an annotation comment, ``# JOB101``
(several: ``# JOB102, JOB103``); in YAML the same text is a YAML comment at the end of the
line (``threads: 0  # JOB701``), and the finding is expected in the YAML file. The tests
run every example and compare the findings, by line and code, exactly; so a page cannot
say what the linter does not do.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

DOCS_BASE_URL = "https://github.com/joblint/joblint/blob/main/rules/"

ANNOTATION = re.compile(r"\s*#\s*(?P<codes>JOB\d{3}(?:\s*,\s*JOB\d{3})*)\s*$")
SECTION_ROLES = {"example": "flagged", "use instead": "clean", "fix safety": "fixed"}
ROLES = ("context", "clean", "flagged", "fixed", "illustration")


def rule_url(code: str) -> str:
    return f"{DOCS_BASE_URL}{code}.md"


def pages_dir() -> Path | None:
    """The installed copy (wheel) or the repository's ``rules/`` (source checkout)."""
    installed = resources.files("joblint").joinpath("_pages")
    if installed.is_dir():
        return Path(str(installed))
    checkout = Path(__file__).resolve().parents[2] / "rules"
    return checkout if checkout.is_dir() else None


def page_text(code: str) -> str | None:
    directory = pages_dir()
    if directory is None:
        return None
    page = directory / f"{code.upper()}.md"
    return page.read_text(encoding="utf-8") if page.is_file() else None


@dataclass(frozen=True)
class Example:
    role: str
    code: str  # the source text of the block
    filename: str = "example.py"
    encoding: str = "utf-8"
    line: int = 0  # line of the opening fence in the page, for test ids

    def expected(self) -> set[tuple[int, str]]:
        """(line, code) pairs the annotations ask for."""
        found: set[tuple[int, str]] = set()
        for number, text in enumerate(self.code.splitlines(), start=1):
            match = ANNOTATION.search(text)
            if match:
                for code in re.split(r"\s*,\s*", match.group("codes")):
                    found.add((number, code))
        return found

    def without_annotations(self) -> str:
        lines = [ANNOTATION.sub("", text) for text in self.code.splitlines()]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class RulePage:
    code: str
    name: str
    sections: tuple[str, ...]
    examples: tuple[Example, ...] = field(default=())


def parse_page(text: str) -> RulePage:
    title = re.search(r"^#\s+(JOB\d{3}):\s*([a-z0-9-]+)\s*$", text, re.MULTILINE)
    if title is None:
        raise ValueError("a rule page starts with `# JOBnnn: rule-name`")
    sections: list[str] = []
    examples: list[Example] = []
    section = ""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("## "):
            section = line[3:].strip()
            sections.append(section)
        fence = re.match(r"^```(python|yaml|toml)\b(.*)$", line)
        if fence:
            body: list[str] = []
            start = index + 1
            index += 1
            while index < len(lines) and not lines[index].startswith("```"):
                body.append(lines[index])
                index += 1
            examples.append(
                _example(fence.group(2), "\n".join(body) + "\n", section, start, fence.group(1))
            )
        index += 1
    return RulePage(title.group(1), title.group(2), tuple(sections), tuple(examples))


def _example(info: str, code: str, section: str, line: int, language: str = "python") -> Example:
    words = shlex.split(info)
    attributes = dict(word.split("=", 1) for word in words if "=" in word)
    flags = [word for word in words if "=" not in word]
    role = next((flag for flag in flags if flag in ROLES), None)
    if role is None:
        role = SECTION_ROLES.get(section.lower(), "illustration")
    if language != "python" and "title" not in attributes:
        role = "illustration"  # a YAML or TOML block without a file to write is shown only
    return Example(
        role=role,
        code=code,
        filename=attributes.get("title", "example.py"),
        encoding=attributes.get("encoding", "utf-8"),
        line=line,
    )
