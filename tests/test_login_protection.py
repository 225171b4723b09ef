"""Repeated admin login failures lock out; invalid API tokens are throttled."""

import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from rest_framework.test import APIClient

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

LOGIN_URL = "/admin/login/?next=/admin/"


def log_in(client, username, password, address="203.0.113.7"):
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, times, username="editor", address="203.0.113.7"):
    """Statuses of `times` wrong passwords (the one reaching the limit locks out at once)."""
    return [log_in(client, username, "wrong", address).status_code for _ in range(times)]


def test_a_wrong_password_is_refused_and_logged(client, editor, caplog):
    with caplog.at_level(logging.WARNING, logger="axes"):
        assert log_in(client, "editor", "wrong").status_code == 200
    assert "login failure" in caplog.text and "editor" in caplog.text


def test_repeated_failures_for_an_account_lock_it_out_even_from_other_addresses(
    client, editor, settings
):
    for i in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "editor", "wrong", address=f"203.0.113.{i + 1}")
    response = log_in(client, "editor", "s3cret-pass!", address="198.51.100.9")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_repeated_failures_from_an_address_lock_it_out_for_every_account(client, editor, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"guess{i}", "wrong")
    assert log_in(client, "editor", "s3cret-pass!").status_code == 429


def test_the_failure_reaching_the_limit_is_answered_429(client, editor, settings):
    limit = settings.AXES_FAILURE_LIMIT
    assert fail(client, limit) == [200] * (limit - 1) + [429]


def test_fewer_failures_than_the_limit_still_let_the_right_password_in(client, editor, settings):
    fail(client, settings.AXES_FAILURE_LIMIT - 1)
    assert log_in(client, "editor", "s3cret-pass!").status_code == 302


def test_a_lockout_ends_after_the_cool_off(client, editor, settings):
    fail(client, settings.AXES_FAILURE_LIMIT)
    assert log_in(client, "editor", "s3cret-pass!").status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert log_in(client, "editor", "s3cret-pass!").status_code == 302


def test_invalid_tokens_from_one_address_are_throttled():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    statuses = [client.get("/api/v1/terms/").status_code for _ in range(21)]
    assert statuses == [401] * 20 + [429]
    assert "Retry-After" in client.get("/api/v1/terms/")


def test_invalid_tokens_from_one_address_do_not_throttle_another():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    for _ in range(21):
        client.get("/api/v1/terms/", REMOTE_ADDR="203.0.113.7")
    assert client.get("/api/v1/terms/", REMOTE_ADDR="198.51.100.9").status_code == 401


def test_a_client_sent_forwarded_for_header_does_not_escape_the_throttle():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    for i in range(20):
        client.get("/api/v1/terms/", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    assert client.get("/api/v1/terms/", HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429
