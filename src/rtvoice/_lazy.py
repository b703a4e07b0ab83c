"""Lazy re-exports for package façades (PEP 562): an import pays only for what it uses.

``import rtvoice``, ``import rtvoice.model`` and ``import rtvoice.audio`` import none of their
submodules (so ``import rtvoice.model.session_config`` loads just that one): each name a façade
re-exports is imported from its submodule the first time it is looked up
(``rtvoice.RealtimeRunner``, ``from rtvoice import RealtimeRunner``), then cached in the
façade's namespace so later lookups are plain attribute reads. The object is the submodule's
own, so identity is the same as with an eager import. What this saves is real: connecting a
session needs ``websockets``, ``pydantic``, the OpenAI codec, the session machinery and
OpenTelemetry, and together they cost several hundred milliseconds of start-up that a program
only building an agent, or a CLI printing ``--help``, should not pay.

A façade using this keeps ``if TYPE_CHECKING:`` imports of the same names, so that type
checkers and IDEs see them, and defines ``__getattr__`` only at run time (a module-level
``__getattr__`` visible to mypy would make every misspelt attribute type-check).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: Mapping[str, Iterable[str]]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """Build the ``__getattr__`` and ``__dir__`` of a façade module.

    Use it as ``__getattr__, __dir__ = lazy_exports(__name__, {".submodule": ("Name", ...)})``.

    Args:
        package: The façade's ``__name__``.
        exports: Each submodule (relative to ``package``) and the names re-exported from it.

    Returns:
        ``__getattr__``, which imports a name on first lookup and caches it in the façade, and
        ``__dir__``, which lists the re-exported names whether or not they were looked up.
    """

    where = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> object:
        try:
            module_name = where[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module_name, package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where})

    return __getattr__, __dir__
