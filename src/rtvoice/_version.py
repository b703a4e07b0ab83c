"""The package version, kept in one tiny module so reading it costs no metadata lookup."""

from __future__ import annotations

__version__ = "0.1.0.dev0"
