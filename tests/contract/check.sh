#!/usr/bin/env bash
# The API contract, checked from outside as a client team would check it:
#   1. the schema, generated and linted by Redocly CLI (lint.sh: zero errors, zero warnings);
#   2. a typed client generated from it by openapi-python-client (pinned in pyproject.toml) into var/client;
#   3. docs/examples/ticket_sync.py run through that client against a live server (`manage.py runserver` on a
#      free port, a fresh SQLite database with the demo data): a first sync makes a ticket for every mitigation;
#      a second one, from where the first ended, finds nothing to do (its own write-backs are skipped); a full
#      sync with the same tickets updates each ticket once. Any error fails the check.
# CI runs it after the two test passes (.ci/run); `make contract` runs it alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PY:-.venv/bin/python}"
export PY
log() { printf -- '--- contract: %s\n' "$*"; }

log "schema + Redocly lint"
tests/contract/lint.sh

log "typed client (openapi-python-client)"
rm -rf var/client
generated=$("$(dirname "$PY")/openapi-python-client" generate --path var/contract/openapi.yaml --meta none \
  --config tests/contract/client-config.yaml --output-path var/client/threat_register_client 2>&1) \
  || { echo "$generated"; exit 1; }
if grep -qi "warning" <<<"$generated"; then  # a skipped operation or response: the client would be incomplete
  echo "$generated"
  exit 1
fi

log "live server on a fresh SQLite database with the demo data"
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
export DATABASE_URL="sqlite:///$work/contract.sqlite3" DJANGO_ENV=development
unset CELERY_BROKER_URL
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py load_catalog --quiet
"$PY" manage.py seed_demo >/dev/null
token=$("$PY" manage.py create_api_token --team demo --user demo --scopes read,write --name contract-check)
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
"$PY" manage.py runserver "127.0.0.1:$port" --noreload >"$work/server.log" 2>&1 &
server=$!
"$PY" - "$url" <<'PY' || { cat "$work/server.log"; exit 1; }
import sys, time, urllib.error, urllib.request
for _ in range(120):
    try:
        urllib.request.urlopen(sys.argv[1] + "/api/v1/", timeout=2)  # noqa: S310 - our own server
    except urllib.error.HTTPError:
        sys.exit(0)  # it answers (401: no token)
    except OSError:
        time.sleep(0.5)
    else:
        sys.exit(0)
sys.exit("the server did not start")
PY

log "docs/examples/ticket_sync.py through the generated client"
run_example() {
  PYTHONPATH=var/client "$PY" docs/examples/ticket_sync.py --url "$url" --token "$token" --state "$work/state.json" \
    || { cat "$work/server.log"; exit 1; }
}
first=$(run_example)
second=$(run_example)
"$PY" -c 'import json, sys; s = json.load(open(sys.argv[1])); s.pop("since"); s.pop("written")
json.dump(s, open(sys.argv[1], "w"))' "$work/state.json"  # the same tickets, no memory of the last run
full=$(run_example)
"$PY" - "$first" "$second" "$full" <<'PY'
import json, sys
first, second, full = (json.loads(arg) for arg in sys.argv[1:])
assert first["created"] and not first["updated"] and not first["deleted"], first
assert not second["created"] and not second["updated"], second
assert not full["created"] and sorted(full["updated"]) == sorted(first["created"]), full
print(f"ticket sync: {len(first['created'])} tickets created; a delta sync found nothing to do; "
      f"a full sync updated the {len(full['updated'])} linked tickets")
PY
log "passed"
