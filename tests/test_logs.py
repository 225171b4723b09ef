"""One log line per request and per event, each with the request's id (glossary/logs.py)."""

import json
import logging

import pytest

from glossary.logs import JsonFormatter, RequestIdFilter


@pytest.fixture
def request_lines(caplog):
    caplog.set_level(logging.INFO, logger="glossary.request")
    return lambda: [r for r in caplog.records if r.name == "glossary.request"]


def test_a_request_id_sent_by_the_client_is_echoed_in_the_response(client):
    response = client.get("/healthz", headers={"X-Request-ID": "trace-42"})

    assert response["X-Request-ID"] == "trace-42"


def test_a_request_without_an_id_gets_a_generated_one(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert len(first) == 32 and first != second


def test_a_request_id_that_could_forge_log_lines_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-ID": "x\nFAKE LINE"})

    assert "\n" not in response["X-Request-ID"] and len(response["X-Request-ID"]) == 32


def test_each_request_is_logged_once_with_its_id_status_and_path(client, request_lines):
    client.get("/healthz", headers={"X-Request-ID": "trace-7"})

    (line,) = request_lines()
    assert line.getMessage() == "GET /healthz 200"
    assert (line.request_id, line.status, line.path) == ("trace-7", 200, "/healthz")


def test_an_event_logged_during_a_request_carries_the_request_id(client, db, monkeypatch):
    events = []
    handler = logging.Handler()
    handler.addFilter(RequestIdFilter())
    handler.emit = events.append
    logger = logging.getLogger("terms.views")
    monkeypatch.setattr(logger, "level", logging.INFO)
    logger.addHandler(handler)

    def database_check_that_logs(alias):
        logger.info("an event inside the view")
        return "ok"

    monkeypatch.setattr("terms.probes._database", database_check_that_logs)
    try:
        response = client.get("/readyz", headers={"X-Request-ID": "trace-9"})
    finally:
        logger.removeHandler(handler)

    assert response.status_code == 200

    assert [(e.getMessage(), e.request_id) for e in events] == [
        ("an event inside the view", "trace-9")
    ]


def test_a_line_outside_any_request_has_no_id():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "started", None, None)
    RequestIdFilter().filter(record)

    assert record.request_id == "-"


def test_json_lines_hold_the_message_the_request_id_and_the_extras():
    record = logging.LogRecord(
        "glossary.request", logging.INFO, __file__, 1, "GET %s", ("/",), None
    )
    record.status = 200
    RequestIdFilter().filter(record)

    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "GET /" and line["level"] == "INFO"
    assert (line["request_id"], line["status"]) == ("-", 200)


def test_log_format_json_makes_the_console_write_json(monkeypatch):
    import importlib

    from glossary import settings

    monkeypatch.setenv("LOG_FORMAT", "json")
    try:
        console = importlib.reload(settings).LOGGING["handlers"]["console"]
    finally:
        monkeypatch.delenv("LOG_FORMAT")
        importlib.reload(settings)

    assert console["formatter"] == "json"
