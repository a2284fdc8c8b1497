"""A ticket-sync loop against the AI Threat Register API, standard library only.

It keeps the team's mitigations in step with tickets in a tracker:

1. pull the mitigations changed since the last run (`updated_after` + cursor pages), and the deletions;
2. create a ticket for each mitigation that has none, update the ticket of each one that changed;
3. write the ticket back on the mitigation (`external_refs`) with `If-Match`; on 412 (someone changed the
   mitigation meanwhile) re-read it and try again;
4. bring ticket status changes back (`?apply_remote_status=true` moves the mitigation by the documented
   rule), and remember where to start next time (and which versions were our own writes).

The tracker here is a small in-memory fake (`MemoryTracker`); swap in your Jira or GitHub client with the
same three methods. Run it against a server:

    python docs/examples/ticket_sync.py --url http://127.0.0.1:8000 --token tmk_... [--since 2026-03-01T00:00:00Z]

(create the token with `python manage.py create_api_token --team SLUG --user USERNAME --scopes read,write`).
"""

import argparse
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime

TRACKER = "memory"  # the `tracker` name our references use
CATEGORY = {"open": "to_do", "in progress": "in_progress", "closed": "done"}  # tracker status -> category


class ApiError(Exception):
    def __init__(self, status: int, problem: dict):
        super().__init__(f"{status}: {problem.get('detail', problem)}")
        self.status, self.problem = status, problem


class Api:
    """A thin JSON client: bearer token, problem+json errors, and a retry after 429 (Retry-After)."""

    def __init__(self, base_url: str, token: str):
        self.base_url, self.token = base_url.rstrip("/"), token

    def call(self, method: str, path: str, body=None, headers: dict | None = None):
        url = path if path.startswith("http") else self.base_url + path
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={  # noqa: S310 - our own server
            "Authorization": f"Bearer {self.token}", "Accept": "application/json",
            **({"Content-Type": "application/json"} if data is not None else {}), **(headers or {})})
        for _attempt in range(5):
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    payload = response.read()
                    return (json.loads(payload) if payload else None), response.headers
            except urllib.error.HTTPError as exc:
                problem = json.loads(exc.read() or b"{}")
                if exc.code == 429:  # over the token's rate limit: wait as told
                    time.sleep(float(exc.headers.get("Retry-After", "1")))
                    continue
                raise ApiError(exc.code, problem) from None
        raise ApiError(429, {"detail": "still rate limited"})

    def pages(self, path: str, **params):
        """Every row of a list, following `next` links (a cursor over (updated_at, id): nothing is missed)."""
        url = f"{path}?{urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})}"
        while url:
            body, _ = self.call("GET", url)
            yield from body["results"]
            url = body["next"]


class MemoryTracker:
    """A stand-in for Jira or GitHub: tickets with a key, a title and a status."""

    def __init__(self):
        self.tickets: dict[str, dict] = {}

    def create(self, title: str, body: str) -> dict:
        key = f"SEC-{len(self.tickets) + 1}"
        self.tickets[key] = {"id": str(1000 + len(self.tickets)), "key": key, "title": title, "body": body,
                             "status": "open", "updated_at": datetime.now(UTC).isoformat()}
        return self.tickets[key]

    def update(self, key: str, title: str, body: str) -> dict:
        ticket = self.tickets[key]
        ticket.update(title=title, body=body, updated_at=datetime.now(UTC).isoformat())
        return ticket

    def close(self, key: str, status: str = "closed") -> dict:
        ticket = self.tickets[key]
        ticket.update(status=status, updated_at=datetime.now(UTC).isoformat())
        return ticket


def ref_for(ticket: dict) -> dict:
    return {"tracker": TRACKER, "external_id": ticket["id"], "key": ticket["key"],
            "url": f"https://tracker.example.com/browse/{ticket['key']}",
            "remote_status": CATEGORY[ticket["status"]], "remote_updated_at": ticket["updated_at"]}


def write_ref(api: Api, mitigation: dict, ticket: dict, *, apply_remote_status: bool = False) -> dict:
    """Put our ticket in the mitigation's external_refs with If-Match; on 412 re-read and try again."""
    path = f"/api/v1/mitigations/{mitigation['id']}/" + ("?apply_remote_status=true" if apply_remote_status else "")
    for _attempt in range(5):
        refs = [r for r in mitigation["external_refs"] if r["tracker"] != TRACKER] + [ref_for(ticket)]
        try:
            body, _ = api.call("PATCH", path, {"external_refs": refs}, {"If-Match": f'"{mitigation["version"]}"'})
            return body
        except ApiError as exc:
            if exc.status != 412:
                raise
            mitigation, _ = api.call("GET", f"/api/v1/mitigations/{mitigation['id']}/")  # someone else wrote: re-read
    raise RuntimeError(f"mitigation {mitigation['id']} keeps changing; try again later")


def sync(api: Api, tracker: MemoryTracker, state: dict) -> dict:
    """One pass. `state` is what the caller keeps between passes: {"since": ISO 8601 or None, "written":
    {mitigation id: version we wrote}}. Our own write-backs come back in the next delta (they change the
    version): the versions we wrote let us skip them. Returns what the pass did; `state` is updated."""
    started = datetime.now(UTC).isoformat()  # the next pass starts here: nothing written meanwhile is missed
    written = state.setdefault("written", {})
    done = {"created": [], "updated": [], "deleted": []}
    for mitigation in api.pages("/api/v1/mitigations/", updated_after=state.get("since"), page_size=100):
        if written.get(str(mitigation["id"])) == mitigation["version"]:
            continue  # our own write coming back
        ours = next((r for r in mitigation["external_refs"] if r["tracker"] == TRACKER), None)
        text = f"{mitigation['description']}\n\nStatus in the register: {mitigation['status']}"
        if ours is None:
            ticket = tracker.create(mitigation["title"], text)
            done["created"].append(ticket["key"])
        else:
            ticket = tracker.update(ours["key"], mitigation["title"], text)
            done["updated"].append(ticket["key"])
        result = write_ref(api, mitigation, ticket)
        written[str(result["id"])] = result["version"]
    for stone in api.pages("/api/v1/deletions/", updated_after=state.get("since"), object_type="mitigation"):
        done["deleted"].append(stone["object_id"])  # close or archive the ticket in a real tracker
        written.pop(stone["object_id"], None)
    state["since"] = started
    return done


def pull_status(api: Api, tracker: MemoryTracker, key: str) -> dict:
    """A ticket changed in the tracker: send its status back and let the register apply its rule."""
    ticket = tracker.tickets[key]
    found = list(api.pages("/api/v1/mitigations/", external=f"{TRACKER}:{key}"))
    if not found:
        raise LookupError(f"no mitigation is linked to {TRACKER}:{key}")
    return write_ref(api, found[0], ticket, apply_remote_status=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--since", default=None, help="ISO 8601; omit for a full sync")
    args = parser.parse_args()
    state = {"since": args.since}
    result = sync(Api(args.url, args.token), MemoryTracker(), state)
    print(json.dumps({**result, "next_since": state["since"]}, indent=2))


if __name__ == "__main__":
    main()
