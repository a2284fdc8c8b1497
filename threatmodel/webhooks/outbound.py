"""One guarded outbound HTTP exchange, shared by webhook deliveries and the ticket connectors.

- the URL is resolved and checked by `targets.resolve` (the SSRF guard: public addresses only, loopback and
  private ones where WEBHOOK_ALLOWED_HOSTS lists them), and the connection goes to the address that was checked,
  whatever DNS says a moment later (TLS still verifies the host name);
- redirects are never followed (http.client does not): a 3xx is returned like any other answer;
- the timeout covers the connection, each read and the whole response; the body is read up to `max_bytes` + 1
  (one byte more tells the caller it was cut).

Errors are the caller's to sort: `targets.TargetRefused` (the URL may not be called), `TimeoutError` (the
deadline passed), `OSError` / `http.client.HTTPException` (the network or the peer failed).
"""

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from . import targets


@dataclass
class Exchange:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes
    ms: int


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address the SSRF guard checked, whatever DNS says now."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def exchange(method: str, url: str, *, headers: dict[str, str], body: bytes | None, timeout: float,
             max_bytes: int) -> Exchange:
    """Send one request to a guarded target and read its answer (see the module docstring for the errors)."""
    started = time.monotonic()
    target = targets.resolve(url)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    conn = connection_class(target.host, target.port, target.addresses[0], timeout)
    try:
        conn.request(method, target.path, body=body, headers=headers)
        response = conn.getresponse()
        chunks, received = [], 0
        while received <= max_bytes:
            if time.monotonic() - started > timeout:
                raise TimeoutError("response took longer than the timeout")
            chunk = response.read(min(8192, max_bytes + 1 - received))
            if not chunk:
                break
            chunks.append(chunk)
            received += len(chunk)
        return Exchange(status=response.status, headers={k.lower(): v for k, v in response.getheaders()},
                        body=b"".join(chunks), ms=int((time.monotonic() - started) * 1000))
    finally:
        conn.close()
