"""A real HTTP receiver on 127.0.0.1 (http.server in a thread) for webhook tests.

`script` is a list of (status, headers, delay_seconds) answered in order (the last one repeats);
every request is recorded with its headers and body.
"""

import threading
import time

from ..local_http import LocalServer, QuietHandler


class Receiver(LocalServer):
    def __init__(self, script=None):
        self.script = list(script or [(204, {}, 0)])
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
                    status, headers, delay = receiver.script[min(len(receiver.requests), len(receiver.script)) - 1]
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass

        super().__init__(Handler)

    @property
    def url(self) -> str:
        return f"{self.origin}/hooks/register"
