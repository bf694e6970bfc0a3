"""Liveness, readiness and a task run by a real Celery worker process."""

import pytest
from django.test import override_settings

from clinic.tasks import echo


@pytest.mark.django_db
def test_healthz_answers_ok_with_a_single_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_api_health_is_503_and_names_redis_when_redis_is_stopped(client, redis_server):
    with override_settings(REDIS_URL=redis_server.url):
        before = client.get("/api/health/").json()["error"]
        assert before["checks"]["redis"]["ok"] is True  # up: only the (absent) worker is down
        assert before["down"] == ["worker"]
        redis_server.stop()
        response = client.get("/api/health/")
    assert response.status_code == 503
    body = response.json()["error"]
    assert body["code"] == "unavailable"
    assert "redis" in body["down"]
    assert "redis" in body["message"]
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.slow
def test_api_health_is_200_when_database_redis_and_a_worker_are_up(client, celery_worker_process):
    response = client.get("/api/health/")
    assert response.status_code == 200, response.content
    checks = response.json()["checks"]
    assert all(check["ok"] for check in checks.values()), checks
    assert "worker" in checks["worker"]["detail"]


@pytest.mark.slow
def test_a_task_runs_in_a_real_worker_process(celery_worker_process):
    result = echo.delay("hello from the test")
    assert result.get(timeout=20) == "hello from the test"
    # Not eager: the task went through Redis to another process.
    assert result.state == "SUCCESS"
    assert not result.app.conf.task_always_eager


@pytest.mark.slow
def test_api_health_is_503_naming_the_worker_when_none_runs(client, db):
    response = client.get("/api/health/")
    assert response.status_code == 503
    assert response.json()["error"]["down"] == ["worker"]


def test_an_unknown_api_url_is_a_json_404_in_the_shared_shape(client):
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "Not found.", "fields": {}}
    }


@pytest.mark.django_db
def test_home_page_shows_the_clinic_name(client, settings):
    settings.CLINIC_NAME = "Test Skin Clinic"
    response = client.get("/")
    assert response.status_code == 200
    assert "Test Skin Clinic" in response.content.decode()


def test_api_docs_and_schema_are_served(client):
    assert client.get("/api/docs/").status_code == 200
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"openapi" in schema.content
