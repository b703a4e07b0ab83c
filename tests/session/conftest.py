"""Fixtures for session tests: a simulator on loopback, per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from rtvoice.simulator import Simulator


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator() as simulator:
        yield simulator
