"""Every staff page is checked by axe-core (tests/browser/test_accessibility.py): each URL
name of the desk, the chart, the reports, the clinic settings and the staff's message list
is one of the pages the browser test visits, or is left out here with its reason. A new
page that nobody added to the visit fails this test."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
import time_machine
from django.urls import URLPattern

import chart.urls
import desk.urls
import manager.urls
import messaging.urls
import reports.urls
from tests.browser.main_pages import at, coming_working_day, main_pages
from tests.browser.state_pages import resolved_names, state_pages
from tests.patients.photo_helpers import private_files

__all__ = ["private_files"]
pytestmark = pytest.mark.django_db

STAFF_URLS: tuple[ModuleType, ...] = (desk.urls, chart.urls, manager.urls, reports.urls)

NOT_VISITED = {  # URL name -> why axe has no page to check there
    "desk:no-show-undo": "POST only: undoes a no-show, then redirects",
    "desk:drop": "POST only: the grid's drag to move; answers with the grid (desk-day)",
    "desk:offer-accept": "POST only: accepts a waitlist offer, then redirects",
    "desk:receipt": "a PDF download",
    "chart:consultation-sign": "POST only: signs, then redirects to the consultation",
    "chart:record-sign": "POST only: signs, then redirects to the record",
    "manager:closure-delete": "POST only: removes a closure, then redirects",
    "manager:outage-delete": "POST only: removes an outage, then redirects",
    "manager:time-off-delete": "POST only: removes time off, then redirects",
    "reports:csv": "a CSV download",
    "reports:money-csv": "a CSV download",
    "outbox:link": "a patient's link from a message, not a staff page",
    "outbox:survey": "a patient's survey link from a message, not a staff page",
    "outbox:no-follow-ups": "a patient's link from a message, not a staff page",
    "outbox:unsubscribe": "a patient's link from a message, not a staff page",
}


def url_names(module: ModuleType) -> set[str]:
    names = set()
    for pattern in module.urlpatterns:
        assert isinstance(pattern, URLPattern), f"{module.__name__}: {pattern} is an include"
        assert pattern.name, f"{module.__name__}: {pattern} has no name"
        names.add(f"{module.app_name}:{pattern.name}")
    return names


def staff_url_names() -> set[str]:
    names = set().union(*(url_names(m) for m in STAFF_URLS))
    return names | url_names(messaging.urls)  # the staff's message list and patients' links


def visited_paths(private_files: Path) -> list[str]:
    """The staff paths the browser test opens, built from the same data."""
    from demo import data as demo

    demo.load()
    day = coming_working_day()
    with time_machine.travel(at(day, 10, 5), tick=True):
        main = main_pages(day)
        states = state_pages(day)
    pages = [*main.reception, *main.dermatologist, *main.manager]
    pages += [*states.reception, *states.dermatologist, *states.manager]
    pages += [(name, path) for steps in states.after_a_step.values() for name, path, _ in steps]
    return [path for _name, path in pages]


def unchecked(names: set[str], visited: set[str]) -> set[str]:
    return names - visited - set(NOT_VISITED)


def test_every_staff_page_is_visited_by_axe_or_left_out_with_a_reason(
    private_files: Path,
) -> None:
    names = staff_url_names()
    visited = resolved_names(visited_paths(private_files))
    missing = unchecked(names, visited)
    assert not missing, f"staff pages axe never opens (add them to tests/browser/): {missing}"
    assert set(NOT_VISITED) <= names, f"no such page: {set(NOT_VISITED) - names}"
    assert not set(NOT_VISITED) & visited, "a page left out is visited after all"


def test_a_page_added_without_a_visit_is_reported() -> None:
    """The check can fail: a new URL name that no visit resolves to is reported."""
    names = staff_url_names()
    assert {"desk:day", "chart:record-amend", "manager:price", "outbox:list"} <= names
    visited = names - set(NOT_VISITED)
    assert unchecked(names, visited) == set()
    assert unchecked(names | {"desk:new-page"}, visited) == {"desk:new-page"}
