"""Local fake Jira Cloud and GitHub servers (http.server in a thread on 127.0.0.1) that answer with the
published request and response shapes of the calls a connector makes.

`faults` is a list of what to do to the next requests, in order, before serving them normally:
    ("status", 429, {"Retry-After": "30"})   answer with that status and headers
    ("drop",)                                 close the connection without an answer
    ("serve_then_drop",)                      do the work (e.g. create the issue), then drop the answer
Every request is recorded as (method, path, headers, json body).
"""

import base64
import json
import re
import threading
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from ..local_http import LocalServer, QuietHandler


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class FakeTracker(LocalServer):
    def __init__(self):
        self.requests: list[tuple] = []
        self.faults: list[tuple] = []
        self.extra_headers: dict = {}
        self.lock = threading.Lock()
        fake = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                with fake.lock:
                    fake.requests.append((self.command, self.path, dict(self.headers.items()), body))
                    fault = fake.faults.pop(0) if fake.faults else None
                if fault and fault[0] == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault and fault[0] == "status":
                    return self._send(fault[1], {"errorMessages": ["fault"]}, fault[2] if len(fault) > 2 else {})
                if not fake.authorized(self.headers.get("Authorization", "")):
                    return self._send(401, {"message": "Bad credentials"})
                with fake.lock:
                    status, data = fake.route(self.command, urlsplit(self.path), body)
                if fault and fault[0] == "serve_then_drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self._send(status, data, fake.extra_headers)

            do_GET = do_POST = do_PATCH = _handle  # noqa: N815 - http.server's names

            def _send(self, status, data, headers=None):
                payload = b"" if data is None else json.dumps(data).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        super().__init__(Handler)

    @property
    def url(self) -> str:
        return self.origin

    def calls(self, method: str, pattern: str) -> list:
        return [r for r in self.requests if r[0] == method and re.search(pattern, r[1])]


class FakeJira(FakeTracker):
    """Jira Cloud REST v3: issues with a status (and its category) and a resolution."""

    CATEGORIES = {"To Do": "new", "In Progress": "indeterminate", "Done": "done"}

    def __init__(self, email="bot@example.com", token="jira-token-123"):  # noqa: S107 - a test token
        super().__init__()
        self.credentials = "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()
        self.issues: dict[str, dict] = {}
        self.comments: dict[str, list] = {}
        self.counter = 0

    def authorized(self, header: str) -> bool:
        return header == self.credentials

    def issue_json(self, key: str) -> dict:
        issue = self.issues[key]
        return {"id": issue["id"], "key": key, "self": f"{self.url}/rest/api/3/issue/{issue['id']}",
                "fields": {"summary": issue["summary"], "labels": issue["labels"], "updated": issue["updated"],
                           "status": {"name": issue["status"], "statusCategory": {
                               "key": self.CATEGORIES[issue["status"]], "name": issue["status"]}},
                           "resolution": {"name": issue["resolution"]} if issue["resolution"] else None}}

    def move(self, key: str, status: str, resolution: str | None = None):
        self.issues[key].update(status=status, resolution=resolution, updated=_now())

    def route(self, method, url, body):
        path, query = url.path, parse_qs(url.query)
        if method == "POST" and path == "/rest/api/3/issue":
            fields = body["fields"]
            assert fields["description"]["type"] == "doc"  # Atlassian Document Format
            self.counter += 1
            key = f"{fields['project']['key']}-{self.counter}"
            self.issues[key] = {"id": str(10000 + self.counter), "summary": fields["summary"],
                                "labels": fields.get("labels", []), "status": "To Do", "resolution": None,
                                "updated": _now(), "description": fields["description"]}
            return 201, {"id": self.issues[key]["id"], "key": key, "self": f"{self.url}/rest/api/3/issue/{key}"}
        if method == "GET" and path == "/rest/api/3/search/jql":
            label = re.search(r'labels = "([^"]+)"', query["jql"][0]).group(1)
            found = [self.issue_json(k) for k, i in self.issues.items() if label in i["labels"]]
            return 200, {"issues": found, "isLast": True}
        match = re.fullmatch(r"/rest/api/3/issue/([A-Z0-9]+-\d+)(/comment)?", path)
        if match and match.group(1) not in self.issues:
            return 404, {"errorMessages": ["Issue does not exist or you do not have permission to see it."]}
        if match and method == "GET" and not match.group(2):
            return 200, self.issue_json(match.group(1))
        if match and method == "POST" and match.group(2):
            self.comments.setdefault(match.group(1), []).append(body["body"])
            return 201, {"id": str(len(self.comments[match.group(1)])), "body": body["body"]}
        return 404, {"errorMessages": ["no such route"]}


class FakeGitHub(FakeTracker):
    """GitHub REST: issues with state, state_reason; deleted issues answer 410; rate-limit headers."""

    def __init__(self, repository="acme/ml-platform", token="ghp_test_token_1"):  # noqa: S107 - a test token
        super().__init__()
        self.repository, self.token = repository, token
        self.issues: dict[int, dict] = {}
        self.deleted: set[int] = set()
        self.comments: dict[int, list] = {}
        self.extra_headers = {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4999"}

    def authorized(self, header: str) -> bool:
        return header == f"Bearer {self.token}"

    def issue_json(self, number: int) -> dict:
        issue = self.issues[number]
        return {"id": 1000 + number, "number": number, "title": issue["title"], "state": issue["state"],
                "state_reason": issue["state_reason"], "labels": [{"name": n} for n in issue["labels"]],
                "html_url": f"https://github.example/{self.repository}/issues/{number}",
                "updated_at": issue["updated_at"]}

    def move(self, number: int, state: str, state_reason: str | None = None):
        self.issues[number].update(state=state, state_reason=state_reason,
                                   updated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    def route(self, method, url, body):
        base = f"/repos/{self.repository}/issues"
        path, query = url.path, parse_qs(url.query)
        if path == base and method == "POST":
            number = len(self.issues) + len(self.deleted) + 1
            self.issues[number] = {"title": body["title"], "body": body.get("body", ""),
                                   "labels": body.get("labels", []), "state": "open", "state_reason": None,
                                   "updated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
            return 201, self.issue_json(number)
        if path == base and method == "GET":
            label = query.get("labels", [""])[0]
            return 200, [self.issue_json(n) for n, i in self.issues.items() if label in i["labels"]]
        match = re.fullmatch(re.escape(base) + r"/(\d+)(/comments)?", path)
        if match:
            number = int(match.group(1))
            if number in self.deleted:
                return 410, {"message": "This issue was deleted"}
            if number not in self.issues:
                return 404, {"message": "Not Found"}
            if method == "GET" and not match.group(2):
                return 200, self.issue_json(number)
            if method == "POST" and match.group(2):
                self.comments.setdefault(number, []).append(body["body"])
                return 201, {"id": len(self.comments[number]), "body": body["body"]}
        return 404, {"message": "Not Found"}
