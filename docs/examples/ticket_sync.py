"""A ticket-sync loop for a custom tracker, written against the typed client generated from /api/schema/.

The Jira and GitHub connectors (docs/api.md#connectors) need no code; this example is for any other tracker.
It keeps the team's mitigations in step with tickets:

1. pull the mitigations changed since the last run (`updated_after`, then `next_cursor` page after page), and
   the deletions;
2. create a ticket for each mitigation that has none, update the ticket of each one that changed;
3. write the ticket back on the mitigation (`external_refs`) with `If-Match`; on 412 (someone changed the
   mitigation meanwhile) re-read it and try again;
4. bring ticket status changes back (`apply_remote_status=True` moves the mitigation by the documented
   rule), and remember where to start next time (and which versions were our own writes).

The tracker here is a small in-memory fake (`MemoryTracker`); swap in your tracker's client with the same
three methods. Generate the client, then run the loop against a server:

    openapi-python-client generate --url http://127.0.0.1:8000/api/schema/ --meta none \\
        --config tests/contract/client-config.yaml --output-path var/client/threat_register_client
    PYTHONPATH=var/client python docs/examples/ticket_sync.py --url http://127.0.0.1:8000 --token tmk_... \\
        [--state sync-state.json]

(`--state` keeps where the last run ended, our own writes and the fake tracker's tickets between runs; without
it every run is a full sync into an empty tracker.)

(create the token with `python manage.py create_api_token --team SLUG --user USERNAME --scopes read,write`).
"""

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from threat_register_client import AuthenticatedClient
from threat_register_client.api.mitigations import (
    v1_mitigations_list,
    v1_mitigations_partial_update,
    v1_mitigations_retrieve,
)
from threat_register_client.api.sync import v1_deletions_list
from threat_register_client.models import ExternalRefRequest, Mitigation, PatchedMitigationRequest, Problem
from threat_register_client.types import UNSET

TRACKER = "memory"  # the `tracker` name our references use
CATEGORY = {"open": "to_do", "in progress": "in_progress", "closed": "done"}  # tracker status -> category


class ApiError(Exception):
    def __init__(self, status: int, problem: dict):
        super().__init__(f"{status}: {problem.get('detail', problem)}")
        self.status, self.problem = status, problem


class Api:
    """The generated client and what a sync loop needs around it: a retry after 429 (Retry-After), problem+json
    errors raised as ApiError, and every row of a list (cursor pages). A status the schema does not declare
    raises the client's UnexpectedStatus."""

    def __init__(self, base_url: str, token: str):
        self.client = AuthenticatedClient(base_url=base_url.rstrip("/"), token=token, raise_on_unexpected_status=True)

    def call(self, endpoint, *args, **kwargs):
        """`endpoint` is a generated module (e.g. v1_mitigations_retrieve); returns its parsed response."""
        for _attempt in range(5):
            response = endpoint.sync_detailed(*args, client=self.client, **kwargs)
            if response.status_code == 429:  # over the token's rate limit: wait as told
                time.sleep(float(response.headers.get("Retry-After", "1")))
                continue
            if response.status_code >= 400:
                parsed = response.parsed
                raise ApiError(response.status_code, parsed.to_dict() if isinstance(parsed, Problem) else {})
            return response.parsed
        raise ApiError(429, {"detail": "still rate limited"})

    def pages(self, endpoint, **params):
        """Every row of a list: a cursor over (updated_at, id), so nothing is missed while others write."""
        cursor = UNSET
        while True:
            page = self.call(endpoint, cursor=cursor, **params)
            yield from page.results
            if page.next_cursor is None:
                return
            cursor = page.next_cursor


class MemoryTracker:
    """A stand-in for your tracker: tickets with a key, a title and a status."""

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


def ref_for(ticket: dict) -> ExternalRefRequest:
    return ExternalRefRequest.from_dict({
        "tracker": TRACKER, "external_id": ticket["id"], "key": ticket["key"],
        "url": f"https://tracker.example.com/browse/{ticket['key']}",
        "remote_status": CATEGORY[ticket["status"]], "remote_updated_at": ticket["updated_at"]})


def write_ref(api: Api, mitigation: Mitigation, ticket: dict, *, apply_remote_status: bool = False) -> Mitigation:
    """Put our ticket in the mitigation's external_refs with If-Match; on 412 re-read and try again."""
    for _attempt in range(5):
        others = [ExternalRefRequest.from_dict(r.to_dict()) for r in mitigation.external_refs if r.tracker != TRACKER]
        try:
            return api.call(v1_mitigations_partial_update, mitigation.id,
                            body=PatchedMitigationRequest(external_refs=[*others, ref_for(ticket)]),
                            if_match=f'"{mitigation.version}"', apply_remote_status=apply_remote_status or UNSET)
        except ApiError as exc:
            if exc.status != 412:
                raise
            mitigation = api.call(v1_mitigations_retrieve, mitigation.id)  # someone else wrote: re-read
    raise RuntimeError(f"mitigation {mitigation.id} keeps changing; try again later")


def sync(api: Api, tracker: MemoryTracker, state: dict) -> dict:
    """One pass. `state` is what the caller keeps between passes: {"since": ISO 8601 or None, "written":
    {mitigation id: version we wrote}}. Our own write-backs come back in the next delta (they change the
    version): the versions we wrote let us skip them. Returns what the pass did; `state` is updated."""
    started = datetime.now(UTC)  # the next pass starts here: nothing written meanwhile is missed
    since = datetime.fromisoformat(state["since"]) if state.get("since") else UNSET
    written = state.setdefault("written", {})
    done = {"created": [], "updated": [], "deleted": []}
    for mitigation in api.pages(v1_mitigations_list, updated_after=since, page_size=100):
        if written.get(str(mitigation.id)) == mitigation.version:
            continue  # our own write coming back
        ours = next((r for r in mitigation.external_refs if r.tracker == TRACKER), None)
        text = f"{mitigation.description}\n\nStatus in the register: {mitigation.status}"
        if ours is None:
            ticket = tracker.create(mitigation.title, text)
            done["created"].append(ticket["key"])
        else:
            ticket = tracker.update(ours.key, mitigation.title, text)
            done["updated"].append(ticket["key"])
        result = write_ref(api, mitigation, ticket)
        written[str(result.id)] = result.version
    for stone in api.pages(v1_deletions_list, updated_after=since, object_type="mitigation"):
        done["deleted"].append(stone.object_id)  # close or archive the ticket in a real tracker
        written.pop(stone.object_id, None)
    state["since"] = started.isoformat()
    return done


def pull_status(api: Api, tracker: MemoryTracker, key: str) -> Mitigation:
    """A ticket changed in the tracker: send its status back and let the register apply its rule."""
    ticket = tracker.tickets[key]
    found = list(api.pages(v1_mitigations_list, external=f"{TRACKER}:{key}"))
    if not found:
        raise LookupError(f"no mitigation is linked to {TRACKER}:{key}")
    return write_ref(api, found[0], ticket, apply_remote_status=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--state", type=Path, default=None, help="JSON file kept between runs (read, then written)")
    args = parser.parse_args()
    state = json.loads(args.state.read_text()) if args.state and args.state.exists() else {}
    tracker = MemoryTracker()
    tracker.tickets = state.pop("tickets", {})
    result = sync(Api(args.url, args.token), tracker, state)
    if args.state:
        args.state.write_text(json.dumps({**state, "tickets": tracker.tickets}, indent=2))
    print(json.dumps({**result, "next_since": state["since"]}, indent=2))


if __name__ == "__main__":
    main()
