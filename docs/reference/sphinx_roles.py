"""A Griffe extension for the API reference: Sphinx roles in docstrings become links.

rtvoice's docstrings are Google style, and they name other objects with Sphinx roles
(``:class:`~rtvoice.errors.UserError```, ``:meth:`close```, ``:mod:`.events```), which the
mkdocstrings Python handler would print as they are. This rewrites each role, in the loaded
docstrings only (the source is not touched), as an optional cross-reference: a link where the
target has a reference entry, the name in code type where it has none (a private module, a
dependency), so an unresolved name never fails ``mkdocs build --strict``.

Loaded by ``mkdocs.yml`` (the mkdocstrings handler's ``extensions``), by path from the
repository root.
"""

from __future__ import annotations

import html
import re
from typing import Any

import griffe

# :role:`target`, :role:`~target` (shown by its last name) or :role:`title <target>`; a
# target may be wrapped across lines.
ROLE = re.compile(
    r":(?:class|meth|mod|data|func|attr|exc|obj|const):"
    r"`(~?)(?:([^`<]+?)\s*<([\w.\s]+)>|([\w.\s]+?))(?:\(\))?`"
)


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles in every docstring as optional autorefs."""

    def on_object(self, *, obj: griffe.Object, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        _rewrite(obj)

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        _rewrite(pkg)  # the package's own docstring (on_object covers its members)


def _rewrite(obj: griffe.Object) -> None:
    docstring = obj.docstring
    if docstring is None or ":`" not in docstring.value:
        return

    def link(match: re.Match[str]) -> str:
        short, title = match.group(1), match.group(2)
        target = re.sub(r"\s+", "", match.group(3) or match.group(4))
        if title is None:
            title = target.rsplit(".", 1)[-1] if short else target.lstrip(".")
        identifier = html.escape(_qualify(obj, target), quote=True)
        shown = html.escape(title.strip())
        return f'<autoref identifier="{identifier}" optional><code>{shown}</code></autoref>'

    docstring.value = ROLE.sub(link, docstring.value)


def _qualify(obj: griffe.Object, target: str) -> str:
    """The full path a role's target most likely means, seen from the docstring's object."""
    if target.startswith("rtvoice."):
        return target
    if target.startswith("."):
        # Relative to the package of the module the docstring is in.
        module = obj.module
        package = module.path if module.is_init_module else module.path.rpartition(".")[0]
        dots = len(target) - len(target.lstrip("."))
        for _ in range(dots - 1):
            package = package.rpartition(".")[0]
        return f"{package}.{target.lstrip('.')}"
    head, _, rest = target.partition(".")
    scopes = [obj, *([obj.parent] if obj.parent is not None else [])]
    for scope in scopes:
        if head in scope.members:
            return f"{scope.members[head].path}{'.' + rest if rest else ''}"
        try:
            resolved = scope.resolve(head)
        except (griffe.NameResolutionError, AttributeError):
            continue
        return f"{resolved}.{rest}" if rest else resolved
    return target
