"""Jira Cloud REST API v3 and GitHub REST clients: the few calls a connector makes, as published.

Jira (Basic auth: account e-mail + API token)
    POST {base}/rest/api/3/issue                      create: summary, description (ADF), labels
    GET  {base}/rest/api/3/issue/{key}?fields=...      status.statusCategory.key, resolution.name, updated
    GET  {base}/rest/api/3/search/jql?jql=...          find the ticket we created (by its label)
    POST {base}/rest/api/3/issue/{key}/comment         body in ADF
GitHub (Bearer token; base defaults to https://api.github.com, GitHub Enterprise: https://HOST/api/v3)
    POST {base}/repos/{owner}/{repo}/issues            title, body, labels
    GET  {base}/repos/{owner}/{repo}/issues/{number}   state, state_reason, updated_at
    GET  {base}/repos/{owner}/{repo}/issues?labels=..&state=all
    POST {base}/repos/{owner}/{repo}/issues/{number}/comments

Every client returns a `RemoteTicket`; the mapping to our statuses is assessments.connectors.mapping.
"""

import base64
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

from django.utils.dateparse import parse_datetime

from ..models import ConnectorKind
from . import http

JIRA_FIELDS = "summary,status,resolution,updated,labels"
JIRA_ISSUE_TYPE = "Task"


@dataclass(frozen=True)
class RemoteTicket:
    external_id: str  # what ExternalRef.external_id holds: SEC-12 / owner/name#12
    key: str
    url: str
    state: str  # Jira: the status category key (new, indeterminate, done); GitHub: open / closed
    resolution: str  # Jira: the resolution's name; GitHub: state_reason (completed, not_planned, reopened)
    updated_at: datetime | None

    @property
    def done(self) -> bool:
        return self.state in ("done", "closed")


def _when(value) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None and isinstance(value, str) and len(value) > 5 and value[-5] in "+-":
        parsed = parse_datetime(f"{value[:-2]}:{value[-2:]}")  # Jira: 2026-03-01T10:00:00.000+0000
    return parsed


def adf(*paragraphs: str, link: str = "") -> dict:
    """Atlassian Document Format: one paragraph per string, then the link back."""
    content = [{"type": "paragraph", "content": [{"type": "text", "text": p}]} for p in paragraphs if p]
    if link:
        content.append({"type": "paragraph", "content": [{"type": "text", "text": "Open in AI Threat Register",
                                                          "marks": [{"type": "link", "attrs": {"href": link}}]}]})
    return {"type": "doc", "version": 1, "content": content}


class _Client:
    def __init__(self, connector, token: str):
        self.connector = connector
        self.base = connector.base_url.rstrip("/")
        self.token = token
        self.rate_limited_for: float | None = None  # set when an answer says the budget is spent

    def _call(self, method: str, path: str, body=None):
        answer = http.request(method, self.base + path, headers=self.headers(), body=body)
        if answer.rate_limited_for is not None:
            self.rate_limited_for = answer.rate_limited_for
        return answer.data

    def headers(self) -> dict:
        raise NotImplementedError


class JiraClient(_Client):
    def headers(self) -> dict:
        pair = f"{self.connector.username}:{self.token}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode()}

    def parse_ticket(self, data) -> RemoteTicket:
        if not isinstance(data, dict) or not data.get("key"):
            raise http.RemoteError("Jira answered without an issue key")
        fields = data.get("fields") or {}
        status = fields.get("status") or {}
        resolution = fields.get("resolution") or {}
        key = str(data["key"])
        return RemoteTicket(external_id=key, key=key, url=f"{self.base}/browse/{key}",
                            state=str((status.get("statusCategory") or {}).get("key") or ""),
                            resolution=str(resolution.get("name") or ""), updated_at=_when(fields.get("updated")))

    def create(self, *, title: str, text: str, link: str, labels: list[str]) -> RemoteTicket:
        body = {"fields": {"project": {"key": self.connector.project_key}, "summary": title[:255],
                           "issuetype": {"name": JIRA_ISSUE_TYPE}, "description": adf(text, link=link),
                           "labels": labels}}
        created = self._call("POST", "/rest/api/3/issue", body)
        if not isinstance(created, dict) or not created.get("key"):
            raise http.RemoteError("Jira created an issue but answered without its key")
        return self.get(str(created["key"]))

    def get(self, key: str) -> RemoteTicket:
        return self.parse_ticket(self._call("GET", f"/rest/api/3/issue/{quote(key)}?fields={JIRA_FIELDS}"))

    def find(self, label: str) -> RemoteTicket | None:
        jql = f'project = "{self.connector.project_key}" AND labels = "{label}" ORDER BY created ASC'
        data = self._call("GET", "/rest/api/3/search/jql?" + urlencode({"jql": jql, "fields": JIRA_FIELDS}))
        issues = (data or {}).get("issues") or []
        return self.parse_ticket(issues[0]) if issues else None

    def comment(self, key: str, text: str) -> None:
        self._call("POST", f"/rest/api/3/issue/{quote(key)}/comment", {"body": adf(text)})


class GitHubClient(_Client):
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28"}

    @property
    def repo_path(self) -> str:
        owner, _, name = self.connector.repository.partition("/")
        return f"/repos/{quote(owner)}/{quote(name)}"

    def parse_ticket(self, data) -> RemoteTicket:
        if not isinstance(data, dict) or not isinstance(data.get("number"), int):
            raise http.RemoteError("GitHub answered without an issue number")
        key = f"{self.connector.repository}#{data['number']}"
        return RemoteTicket(external_id=key, key=key, url=str(data.get("html_url") or ""),
                            state=str(data.get("state") or ""), resolution=str(data.get("state_reason") or ""),
                            updated_at=_when(data.get("updated_at")))

    def number(self, key: str) -> int:
        return int(key.rpartition("#")[2])

    def create(self, *, title: str, text: str, link: str, labels: list[str]) -> RemoteTicket:
        body = {"title": title[:256], "body": f"{text}\n\n[Open in AI Threat Register]({link})", "labels": labels}
        return self.parse_ticket(self._call("POST", f"{self.repo_path}/issues", body))

    def get(self, key: str) -> RemoteTicket:
        return self.parse_ticket(self._call("GET", f"{self.repo_path}/issues/{self.number(key)}"))

    def find(self, label: str) -> RemoteTicket | None:
        data = self._call("GET", f"{self.repo_path}/issues?" + urlencode(
            {"labels": label, "state": "all", "sort": "created", "direction": "asc"}))
        issues = [i for i in (data or []) if isinstance(i, dict) and "pull_request" not in i]
        return self.parse_ticket(issues[0]) if issues else None

    def comment(self, key: str, text: str) -> None:
        self._call("POST", f"{self.repo_path}/issues/{self.number(key)}/comments", {"body": text})


def client_for(connector, token: str) -> _Client:
    return JiraClient(connector, token) if connector.kind == ConnectorKind.JIRA else GitHubClient(connector, token)
