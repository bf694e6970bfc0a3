"""The main navigation: what each login is shown, in its language. Its links are rendered
once per process for each language and set of entries (clinic.templatetags.staff_pages),
so these check that the shared rendering never shows one login another's entries."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from clinic.roles import Role
from tests.desk.helpers import client_for

pytestmark = pytest.mark.django_db

ENTRIES = {
    "Book",
    "My invoices",
    "Desk",
    "Waitlist",
    "Today's patients",
    "Charts",
    "Messages",
    "Reports",
    "Settings",
    "Admin",
    "Log in",
    "Sign up",
    "Log out",
}


def nav_of(client, path: str = "/") -> set[str]:
    html = client.get(path).content.decode()
    nav = html[html.index('<nav aria-label="') : html.index("</nav>")]
    names = {re.sub(r"\s+", " ", n).strip() for n in re.findall(r">([^<>]+)</(?:a|button)>", nav)}
    return names & ENTRIES | ({"Treatments"} & names)


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (None, {"Log in", "Sign up"}, {"Log out", "Desk", "Book"}),
        (Role.PATIENT, {"Book", "My invoices", "Log out"}, {"Desk", "Charts", "Reports"}),
        (Role.RECEPTION, {"Desk", "Waitlist", "Log out"}, {"Charts", "Reports", "Book"}),
        (Role.DERMATOLOGIST, {"Today's patients", "Charts"}, {"Desk", "Reports", "Settings"}),
        (Role.MANAGER, {"Reports", "Settings", "Desk"}, {"Book", "Log in"}),
    ],
)
def test_each_login_is_shown_its_own_entries(role, shown, hidden):
    # Every role in turn in one process: the rendering kept for one never leaks to another.
    for other in (Role.MANAGER, Role.PATIENT, None):
        nav_of(client_for(other))
    found = nav_of(client_for(role))
    assert "Treatments" in found
    assert shown <= found, found
    assert not hidden & found, found


def test_the_entries_follow_the_language_and_a_change_of_role():
    reception = client_for(Role.RECEPTION)
    assert "Desk" in nav_of(reception)
    reception.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    html = reception.get("/").content.decode()
    nav = html[html.index("<nav") : html.index("</nav>")]
    assert ">Рецепція</a>" in nav and ">Desk</a>" not in nav
    assert 'lang="uk"' in html
    reception.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    user = get_user_model().objects.get(pk=reception.session["_auth_user_id"])
    user.groups.add(Group.objects.get(name=Role.MANAGER))
    assert {"Reports", "Settings"} <= nav_of(reception)


def test_with_debug_on_the_links_are_rendered_on_every_page(settings):
    """`make dev` (DEBUG): an edited navigation template shows on the next page."""
    from clinic.templatetags.staff_pages import _nav_html

    settings.DEBUG = True
    reception = client_for(Role.RECEPTION)
    before = _nav_html.cache_info()
    assert "Desk" in nav_of(reception) and "Desk" in nav_of(reception)
    after = _nav_html.cache_info()
    assert (after.hits, after.misses) == (before.hits, before.misses)
