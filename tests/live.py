"""Live servers and real workers that never outlive their test, and a check that a test sharing its
database with them starts from an empty one.

One server per test, serving one request at a time. A gate (a lock) is held while a request is
handled, so:
- `server.idle()` waits for the request in flight (a live poll, a presence beat, a "leave" beacon) and
  keeps the next one waiting while the test reads or writes the database itself;
- `server.stop()` takes the gate, then refuses whatever arrives (accepted and closed at once, never
  handled), stops the loop and closes the port. It runs before the test's database access ends, so a
  late response can never touch a blocked or flushed database; a page left open afterwards gets
  "connection refused" from a port nobody listens on.

SQLite in memory: the test and the server thread share one connection (pytest-django passes it to the
thread); serving requests one after the other, and never while the test holds the gate, keeps two
statements from running on it at once ("database table is locked").
"""

import contextlib
import os
import signal
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread
from django.test.utils import modify_settings


class GatedWSGIServer(WSGIServer):
    """Django's (non-threaded) WSGI server: each request is handled under `gate`; once `refusing` is set,
    connections are accepted and closed without being handled."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections_override = connections_override
        self.gate = threading.Lock()
        self.refusing = False
        self.handled = 0

    def _handle_request_noblock(self):
        with self.gate:
            if not self.refusing:
                self.handled += 1
                super()._handle_request_noblock()
                return
            try:
                request, _ = self.get_request()
            except OSError:
                return
            self.shutdown_request(request)


class GatedLiveServerThread(LiveServerThread):
    server_class = GatedWSGIServer


class _NoSettings:
    """pytest-django's `_live_server_helper` enables and disables these; the fixture does it itself, around
    the whole life of the server (so a request still in flight at teardown sees the same settings)."""

    def enable(self):
        pass

    def disable(self):
        pass


class QuietLiveServer:
    """What the `live_server` fixture returns: `url`, `idle()`, `stop()` (pytest-django's LiveServer API)."""

    def __init__(self, host: str = "localhost", port: int = 0):
        from django.conf import settings
        from django.contrib.staticfiles.handlers import StaticFilesHandler
        from django.db import connections

        self.connections_override = {c.alias: c for c in connections.all()
                                     if c.vendor == "sqlite" and c.is_in_memory_db()}
        assert "django.contrib.staticfiles" in settings.INSTALLED_APPS
        self.thread = GatedLiveServerThread(host, static_handler=StaticFilesHandler,
                                            connections_override=self.connections_override, port=port)
        self.thread.daemon = True
        self._settings = modify_settings(ALLOWED_HOSTS={"append": host})
        self._live_server_modified_settings = _NoSettings()
        self._started = False

    def start(self) -> "QuietLiveServer":
        self._settings.enable()
        for conn in self.connections_override.values():
            conn.inc_thread_sharing()
        self._started = True
        self.thread.start()
        self.thread.is_ready.wait()
        if self.thread.error:
            error = self.thread.error
            self.stop()
            raise error
        return self

    @property
    def httpd(self) -> GatedWSGIServer:
        return self.thread.httpd

    @contextmanager
    def idle(self, timeout: float = 60):
        """No request is in flight inside the block, and none starts: the test has the database to itself."""
        if not self.httpd.gate.acquire(timeout=timeout):
            raise TimeoutError(f"the live server was still answering a request after {timeout} s")
        try:
            yield
        finally:
            self.httpd.gate.release()

    def stop(self, timeout: float = 60) -> None:
        """Refuse new connections, let the request in flight finish, stop the thread, close the port."""
        if not self._started:
            return
        self._started = False
        httpd = getattr(self.thread, "httpd", None)
        try:
            if httpd is not None:
                with self.idle(timeout):
                    httpd.refusing = True
                httpd.shutdown()
                httpd.server_close()
            self.thread.join(timeout)
            if self.thread.is_alive():
                raise RuntimeError("the live server thread did not stop")
        finally:
            for conn in self.connections_override.values():
                conn.dec_thread_sharing()
            self._settings.disable()

    @property
    def url(self) -> str:
        return f"http://{self.thread.host}:{self.thread.port}"

    def __str__(self) -> str:
        return self.url

    def __add__(self, other: str) -> str:
        return f"{self}{other}"

    def __repr__(self) -> str:
        return f"<QuietLiveServer {self.url}>"


# Rows that a flushed test database holds again at once (post_migrate recreates them).
_BASELINE = {("contenttypes", "contenttype"), ("auth", "permission")}


def leftover_tables() -> list[str]:
    from django.apps import apps

    return sorted(m._meta.db_table for m in apps.get_models()
                  if m._meta.managed and not m._meta.proxy
                  and (m._meta.app_label, m._meta.model_name) not in _BASELINE
                  and m._default_manager.exists())


def ensure_clean_database() -> None:
    """A test that shares its database with a server or a worker starts from an empty one, whatever the test
    before it left (a flush that failed at its teardown): flush what is left, and fail if that does not work."""
    from django.core.management import call_command

    left = leftover_tables()
    if not left:
        return
    call_command("flush", interactive=False, verbosity=0)
    still = leftover_tables()
    assert not still, f"the test database still holds rows after a flush: {still}"


# --- real Celery workers ------------------------------------------------------------------------------

def stop_process_group(proc, grace: float) -> None:
    """SIGTERM to a process started with `start_new_session=True`, SIGKILL to its whole group after `grace`
    seconds; returns once no process of the group is left (a pool child orphaned by a killed main process
    would otherwise go on writing to the test database)."""
    pgid = proc.pid
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired
            proc.kill()
            proc.wait(timeout=5)
    deadline = time.monotonic() + 10
    while group_alive(pgid):
        if time.monotonic() > deadline:
            raise RuntimeError(f"processes of group {pgid} survived SIGKILL")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        time.sleep(0.05)


def group_alive(pgid: int) -> bool:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # state, ppid, pgrp, ...
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def delete_queue(queue: str) -> None:
    """Drop a test worker's queue from the broker, so no message of this test waits there."""
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
    except Exception as exc:  # noqa: BLE001 - a fault test may have taken the broker away
        import logging

        logging.getLogger(__name__).info("queue %s not deleted: %s", queue, exc)
