"""Webhook ids already answered: a redelivered webhook must never answer a call twice."""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol, runtime_checkable

from ...errors import UserError

__all__ = ["MemoryWebhookIds", "WebhookIdStore"]


@runtime_checkable
class WebhookIdStore(Protocol):
    """Where the ids of handled webhooks are kept.

    Standard Webhooks redeliver with the same ``webhook-id`` (and a fresh timestamp and
    signature), so the id is what tells a redelivery from a new call. Several processes
    behind one webhook URL need a shared store (Redis ``SET NX`` with an expiry, a database
    row with a unique key); one process can use :class:`MemoryWebhookIds`.
    """

    async def claim(self, webhook_id: str) -> bool:
        """Record ``webhook_id``; ``True`` the first time, ``False`` for a redelivery.

        Must be atomic: two deliveries racing on one id get one ``True`` between them.
        """
        ...


class MemoryWebhookIds:
    """An in-process, bounded :class:`WebhookIdStore`.

    Args:
        max_ids: How many ids to remember; beyond it the oldest is forgotten. OpenAI
            redelivers over hours at most; 10,000 ids is days of calls for one line.
    """

    def __init__(self, max_ids: int = 10_000) -> None:
        if max_ids < 1:
            raise UserError(f"MemoryWebhookIds: max_ids must be at least 1, got {max_ids}")
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._max = max_ids

    async def claim(self, webhook_id: str) -> bool:
        if webhook_id in self._ids:
            return False
        self._ids[webhook_id] = None
        if len(self._ids) > self._max:
            self._ids.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._ids)
