"""The session store: Django's database sessions with a hand-written read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.sessions import SessionStore
from tests.factories import patient

pytestmark = pytest.mark.django_db


def saved(**data) -> str:
    store = SessionStore()
    store.update(data)
    store.create()
    return store.session_key


def test_a_saved_session_reads_back_in_one_query():
    key = saved(answer=42, who="desk")
    with CaptureQueriesContext(connection) as queries:
        store = SessionStore(session_key=key)
        assert store["answer"] == 42 and store["who"] == "desk"
    assert len(queries) == 1
    assert store.session_key == key


def test_an_expired_or_unknown_session_reads_empty_and_gets_a_new_key_on_save():
    key = saved(answer=42)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    for k in (key, "no-such-session-key-at-all"):
        store = SessionStore(session_key=k)
        assert store.get("answer") is None and store.session_key is None
        store["fresh"] = True
        store.save()
        assert store.session_key not in (None, key)


def test_a_tampered_session_reads_empty():
    key = saved(answer=42)
    Session.objects.filter(session_key=key).update(session_data="not-signed-data")
    assert dict(SessionStore(session_key=key).items()) == {}


def test_a_logged_in_request_is_served_from_this_store(client):
    p = patient()
    client.force_login(p.user)
    assert isinstance(client.session, SessionStore)
    assert client.get(f"/api/patients/{p.pk}/").status_code == 200
    Session.objects.all().delete()  # the session ended on the server: logged out
    assert client.get(f"/api/patients/{p.pk}/").status_code in (401, 403)
