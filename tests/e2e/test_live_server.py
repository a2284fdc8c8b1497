"""The live server of the browser tests: a request in flight finishes before the server stops, nothing is
answered after it, the test can hold it idle while it uses the database, and a test starts from an empty
database whatever the one before it left. Also the pages' `live:stop` hook (no poll, beat or beacon)."""

import threading
import urllib.error
import urllib.request

import pytest
from django.http import HttpResponse
from django.urls import path
from playwright.sync_api import expect

from ..live import QuietLiveServer, ensure_clean_database, leftover_tables
from .conftest import login, stop_live

pytestmark = pytest.mark.browser

started, go = threading.Event(), threading.Event()


def slow_view(request):
    """Holds its request until the test says go, then touches the database."""
    from threatmodel.models import Team

    started.set()
    go.wait(30)
    return HttpResponse(str(Team.objects.count()))


urlpatterns = [path("slow/", slow_view)]


def fetch(url: str, out: list) -> None:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - the local live server
            out.append(response.read().decode())
    except Exception as exc:  # noqa: BLE001
        out.append(exc)


def test_a_request_in_flight_finishes_before_the_server_stops_and_later_ones_are_refused(transactional_db,
                                                                                          settings):
    settings.ROOT_URLCONF = __name__
    started.clear()
    go.clear()
    server = QuietLiveServer().start()
    answers: list = []
    client = threading.Thread(target=fetch, args=(server.url + "/slow/", answers))
    client.start()
    assert started.wait(30)
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    stopper.join(0.5)
    assert stopper.is_alive(), "stop() returned while a request was still being answered"
    go.set()
    stopper.join(30)
    client.join(30)
    assert not stopper.is_alive() and answers == ["0"]
    with pytest.raises(urllib.error.URLError) as refused:
        urllib.request.urlopen(server.url + "/slow/", timeout=5)  # noqa: S310
    assert isinstance(refused.value.reason, ConnectionRefusedError)
    assert server.httpd.handled == 1


def test_idle_holds_requests_back_while_the_test_uses_the_database(transactional_db, settings):
    settings.ROOT_URLCONF = __name__
    started.clear()
    go.set()
    server = QuietLiveServer().start()
    answers: list = []
    try:
        with server.idle():
            client = threading.Thread(target=fetch, args=(server.url + "/slow/", answers))
            client.start()
            assert not started.wait(0.5), "a request was answered while the test held the server idle"
        client.join(30)
        assert answers == ["0"]
    finally:
        server.stop()


def test_a_test_starts_from_an_empty_database_whatever_the_last_one_left(transactional_db):
    from ..factories import TeamFactory

    TeamFactory()  # what a flush that failed at the last test's teardown leaves behind
    assert "threatmodel_team" in leftover_tables()
    ensure_clean_database()
    assert leftover_tables() == []


BEACONS = "() => { window.beacons = []; navigator.sendBeacon = (u) => { window.beacons.push(u); return true; }; }"
PAGEHIDE = "() => { window.dispatchEvent(new PageTransitionEvent('pagehide')); return window.beacons.length; }"


def test_live_stop_ends_polling_and_the_leave_beacon(page, live_server, workshop_team):
    from threatmodel.demo import build_support_assistant

    system = build_support_assistant(actor=workshop_team["facilitator"], team=workshop_team["team"])
    login(page, live_server.url, "fran")
    with page.expect_response(lambda r: r.url.endswith("/workshop/presence/")):
        page.goto(f"{live_server.url}/systems/{system.pk}/workshop/")
    page.evaluate(BEACONS)  # the page's beacons are recorded instead of sent
    assert page.evaluate(PAGEHIDE) == 1  # a live page says it leaves
    stop_live(page)
    expect(page.locator("#live")).to_have_count(0)  # htmx polls an element only while it is in the page
    expect(page.locator("#heartbeat")).to_have_count(0)
    assert page.evaluate(PAGEHIDE) == 1  # a stopped one sends nothing more
