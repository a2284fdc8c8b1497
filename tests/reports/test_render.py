"""assessments/reports/render.py: the cyclic collector is paused for a render and running again after it."""

import gc
import threading

import pytest

from assessments.reports import render
from assessments.reports.render import cyclic_gc_paused, render_pdf

HTML = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head><body><p>Hi</p></body></html>'


@pytest.fixture(autouse=True)
def _collector_running():
    gc.enable()
    yield
    gc.enable()


def test_a_render_pauses_the_collector_and_resumes_it():
    seen = []

    def on_progress(_value, _stage):
        seen.append(gc.isenabled())

    pdf = render_pdf(HTML, on_progress=on_progress)
    assert pdf.pages == 1
    assert seen and not any(seen)  # paused while WeasyPrint worked
    assert gc.isenabled()


def test_a_failed_render_resumes_the_collector():
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        raise RuntimeError("layout failed")
    assert gc.isenabled()


def test_overlapping_renders_resume_it_when_the_last_one_ends():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    states = {}

    def first():
        with cyclic_gc_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with cyclic_gc_paused():
            second_in.set()
            first_out.wait(5)
            states["after the first ended"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert states == {"after the first ended": False}
    assert gc.isenabled()
    assert render._PAUSE["depth"] == 0


def test_a_collector_turned_off_by_someone_else_stays_off():
    gc.disable()
    with cyclic_gc_paused():
        pass
    assert not gc.isenabled()
