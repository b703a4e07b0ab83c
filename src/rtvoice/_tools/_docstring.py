"""Read a tool's description and parameter descriptions from a Google-style docstring.

Only what a JSON schema needs is read: the text before the first section, and the
``Args:`` section (also spelled ``Arguments:`` or ``Parameters:``). Other sections
(``Returns:``, ``Raises:``, ``Example:`` ...) are skipped. Anything unrecognised degrades to
"no description", never to an error.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

__all__ = ["ParsedDocstring", "parse_docstring"]

_ARGS_HEADERS = frozenset({"args", "arguments", "parameters", "params"})
_SECTIONS = _ARGS_HEADERS | {
    "attributes", "example", "examples", "keyword args", "keyword arguments", "note", "notes",
    "other parameters", "raises", "references", "return", "returns", "see also", "todo",
    "warning", "warnings", "yield", "yields",
}  # fmt: skip
# ``name: text``, ``name (int): text``, ``*name: text``; the description may be empty.
_ENTRY = re.compile(r"^\*{0,2}(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(\([^)]*\))?\s*:(?P<text>.*)$")


@dataclass(frozen=True, slots=True)
class ParsedDocstring:
    """The parts of a docstring a tool schema uses.

    Attributes:
        description: The text before the first section, paragraphs separated by a blank line,
            lines of a paragraph joined by spaces; ``""`` when there is none.
        params: Parameter name -> description, from the ``Args:`` section.
    """

    description: str = ""
    params: dict[str, str] = field(default_factory=dict)


def parse_docstring(doc: str | None) -> ParsedDocstring:
    """Parse a Google-style docstring.

    Args:
        doc: The raw docstring (``func.__doc__``), or ``None``.

    Returns:
        The description and the per-parameter descriptions.
    """
    if not doc:
        return ParsedDocstring()
    lines = inspect.cleandoc(doc).splitlines()
    body: list[str] = []
    params: dict[str, str] = {}
    index = 0
    while index < len(lines):
        if not _is_section(lines[index]):
            body.append(lines[index])
            index += 1
            continue
        name = lines[index].strip()[:-1].lower()
        section, index = _read_section(lines, index + 1)
        if name in _ARGS_HEADERS:
            params.update(_read_params(section))
        # Nothing after the first section is description: skip to the next section.
        while index < len(lines) and not _is_section(lines[index]):
            index += 1
    return ParsedDocstring(description=_paragraphs(body), params=params)


def _is_section(line: str) -> bool:
    """A section header is a known name and a colon, alone on an unindented line."""
    return (
        not line[:1].isspace()
        and line.rstrip().endswith(":")
        and (line.strip()[:-1].lower() in _SECTIONS)
    )


def _read_section(lines: list[str], start: int) -> tuple[list[str], int]:
    """Return the indented (or blank) lines from ``start`` and the index after them."""
    end = start
    while end < len(lines) and (not lines[end].strip() or lines[end][:1].isspace()):
        end += 1
    return lines[start:end], end


def _read_params(section: list[str]) -> dict[str, str]:
    indents = [len(line) - len(line.lstrip()) for line in section if line.strip()]
    if not indents:
        return {}
    entry_indent = min(indents)
    params: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in section:
        stripped = line.strip()
        if not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        entry = _ENTRY.match(stripped) if indent == entry_indent else None
        if entry is not None:
            current = params.setdefault(entry.group("name"), [])
            if entry.group("text").strip():
                current.append(entry.group("text").strip())
        elif current is not None:
            current.append(stripped)
    return {name: " ".join(words) for name, words in params.items() if words}


def _paragraphs(lines: list[str]) -> str:
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    return "\n\n".join(paragraphs)
