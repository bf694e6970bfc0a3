"""The flash message after an action: a live region (role=status) on a div around a plain
list, so the list keeps its semantics (axe rules `listitem` and `aria-allowed-role`)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.factories import patient

pytestmark = pytest.mark.django_db


class Tree(HTMLParser):
    """Each element as (tag, attributes, parent tag), in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.elements: list[tuple[str, dict, str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.elements.append((tag, dict(attrs), self.stack[-1] if self.stack else ""))
        if tag not in {"meta", "link", "input", "br", "img"}:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass


def test_a_flash_message_is_a_list_inside_a_status_region(client):
    p = patient()
    client.force_login(p.user)
    data = {
        "first_name": "Olena",
        "last_name": p.last_name,
        "email": p.email,
        "phone": str(p.phone),
        "preferred_language": "en",
        "remind_by_email": "on",
    }
    page = client.post("/me/profile/", data, follow=True).content.decode()
    tree = Tree()
    tree.feed(page)
    (region,) = [(t, a) for t, a, _parent in tree.elements if a.get("role") == "status"]
    assert region[0] == "div" and "messages" in region[1]["class"]
    lists = [(a, parent) for t, a, parent in tree.elements if t == "ul" and parent == "div"]
    assert lists
    for tag, attrs, parent in tree.elements:
        if tag == "ul":
            assert "role" not in attrs  # a role would hide its list items from the list
        if tag == "li":
            assert parent in {"ul", "ol"}
    items = [a for t, a, parent in tree.elements if t == "li" and a.get("class") == "msg-success"]
    assert len(items) == 1
