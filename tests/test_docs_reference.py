"""The API reference (docs/reference) has a page for every public module, and the site's nav
reaches every page.

The pages are ``::: module`` blocks that mkdocstrings renders from the docstrings; ``mkdocs
build --strict`` (CI) checks that they render. This file checks what the build cannot: that a
public module added later gets a page too, and that no page names a module that is not there.
It reads the files as text, so it needs neither mkdocs nor a YAML parser.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import rtvoice.integrations
from test_public_api import PUBLIC_MODULES

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "reference"
BLOCK = re.compile(r"^::: ([\w.]+)\s*$", re.MULTILINE)


def documented_modules() -> dict[str, Path]:
    """Each module a ``::: module`` block renders, and the page that holds it."""
    found: dict[str, Path] = {}
    for page in sorted(REFERENCE.rglob("*.md")):
        for name in BLOCK.findall(page.read_text(encoding="utf-8")):
            assert name not in found, f"{name} is rendered twice: {found[name]} and {page}"
            found[name] = page
    return found


def integration_modules() -> list[str]:
    """Every integration is public: ``rtvoice.integrations`` itself exports nothing."""
    return [
        f"rtvoice.integrations.{info.name}"
        for info in pkgutil.iter_modules(rtvoice.integrations.__path__)
        if not info.name.startswith("_")
    ]


def test_every_public_module_has_a_reference_page() -> None:
    documented = documented_modules()
    public = [*PUBLIC_MODULES, *integration_modules()]
    missing = [name for name in public if name not in documented]
    assert not missing, f"no `::: module` block in docs/reference for: {', '.join(missing)}"
    assert "rtvoice.integrations.twilio" in public
    assert "rtvoice.integrations.sip" in public


def test_every_reference_block_names_a_module_with_all() -> None:
    # The pages show each module's __all__, so a module without one would show nothing useful.
    for name, page in documented_modules().items():
        module = importlib.import_module(name)
        assert isinstance(getattr(module, "__all__", None), list), f"{page}: {name} has no __all__"


def test_every_reference_page_is_in_the_nav() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = config[config.index("\nnav:") :]
    reference = nav[nav.index("- Reference:") :]
    listed = set(re.findall(r"^\s+- (?:[^:\n]+: )?(reference/\S+\.md)\s*$", reference, re.M))
    pages = {page.relative_to(ROOT / "docs").as_posix() for page in REFERENCE.rglob("*.md")}
    assert pages, "docs/reference has no pages"
    assert pages == listed, f"not in the nav: {pages - listed}; not a page: {listed - pages}"


def test_sphinx_roles_in_docstrings_become_optional_links() -> None:
    # The reference's Griffe extension (docs/reference/sphinx_roles.py, loaded by mkdocs.yml):
    # without it the pages print ":class:`~rtvoice.errors.UserError`" as it is.
    griffe = pytest.importorskip("griffe")  # the dev extra (mkdocstrings) brings it
    extension = f"{REFERENCE / 'sphinx_roles.py'}:SphinxRoles"
    package = griffe.load(
        "rtvoice",
        search_paths=[str(ROOT / "src")],
        extensions=griffe.load_extensions(extension),
    )
    left = [
        obj.path
        for obj in _walk(package)
        if obj.docstring is not None and re.search(r":[a-z]+:`", obj.docstring.value)
    ]
    assert not left, f"roles left as they are in: {left[:5]}"
    # ``:class:`RealtimeSession``` in the session package's docstring, a name it imports.
    session_doc = package["session"].docstring.value
    assert '<autoref identifier="rtvoice.session.RealtimeSession" optional>' in session_doc
    # ``:mod:`.events``` in rtvoice.model's docstring: relative to that package.
    assert '<autoref identifier="rtvoice.model.events" optional><code>events</code>' in (
        package["model"].docstring.value
    )


def _walk(obj: Any) -> Iterator[Any]:
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _walk(member)
