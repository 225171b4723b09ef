from django.test import RequestFactory

from bench.wsgi import application


def test_bench_app_serves_the_bare_view():
    response = application.get_response(RequestFactory().get("/bench/bare/"))
    assert response.status_code == 200 and response.content == b"ok"


def test_bench_app_serves_the_sites_pages(db):
    response = application.get_response(RequestFactory().get("/terms/"))
    assert response.status_code == 200


def test_site_never_serves_the_bare_view(client, db):
    assert client.get("/bench/bare/").status_code == 404
