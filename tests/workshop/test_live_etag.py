"""The live-update ETag: which parts of the page changed since the client's last poll."""

from assessments.workshop.live import Stamp, parse_etag


def test_etag_round_trip_and_changed_parts():
    stamp = Stamp(role="owner", model="aa", register="bb", presence="cc")
    assert parse_etag(stamp.etag) == {"model": "aa", "register": "bb", "presence": "cc"}
    assert stamp.changed_parts(stamp.etag) == set()
    assert stamp.changed_parts('"maa.rXX.pcc"') == {"register"}
    assert stamp.changed_parts('W/"maa.rbb.pzz"') == {"presence"}


def test_unknown_or_missing_etag_means_everything_changed():
    stamp = Stamp(role="owner", model="aa", register="bb", presence="cc")
    for value in (None, "", "*", '"garbage"', '"maa.rbb"', '"maa..pcc"'):
        assert stamp.changed_parts(value) == {"model", "register", "presence"}, value
