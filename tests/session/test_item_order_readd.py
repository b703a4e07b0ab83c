"""An item deleted and added again while waiting for an unknown predecessor is placed once,
without an error, when that predecessor arrives."""

from __future__ import annotations

from rtvoice.model.items import InputText
from rtvoice.session.history import UserMessageItem
from rtvoice.session.state._item_order import ItemOrder


def _user(item_id: str) -> UserMessageItem:
    return UserMessageItem(item_id=item_id, content=(InputText(text=item_id),))


def test_readded_orphan_is_adopted_once() -> None:
    book = ItemOrder()
    book.observe("B", _user("B"), previous_item_id="A", positioned=True)  # A not known yet
    book.remove("B")
    book.observe("B", _user("B"), previous_item_id="A", positioned=True)
    book.observe("A", _user("A"), previous_item_id=None, positioned=True)
    assert [item.item_id for item in book.items] == ["A", "B"]
