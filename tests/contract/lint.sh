#!/usr/bin/env bash
# Generate the OpenAPI schema and lint it with Redocly CLI, an independent linter (pinned; npx fetches it from the
# npm registry on first use). Zero errors and zero warnings: a rule that does not fit is switched off in
# redocly.yaml with its reason.
#   tests/contract/lint.sh [SCHEMA]    lint SCHEMA; without it, generate var/contract/openapi.yaml first
set -euo pipefail
cd "$(dirname "$0")/../.."
REDOCLY_CLI="@redocly/cli@2.77.0"
PY="${PY:-.venv/bin/python}"
SCHEMA="${1:-var/contract/openapi.yaml}"
if [ $# -eq 0 ]; then
  mkdir -p "$(dirname "$SCHEMA")"
  "$PY" manage.py spectacular --validate --fail-on-warn --file "$SCHEMA"
fi
errors=$(mktemp) report=$(mktemp)
trap 'rm -f "$errors" "$report"' EXIT
npx --yes "$REDOCLY_CLI" lint "$SCHEMA" --config redocly.yaml --format=json --max-problems 1000 \
  >"$report" 2>"$errors" || true
if [ ! -s "$report" ]; then
  cat "$errors" >&2
  echo "Redocly CLI did not run" >&2
  exit 1
fi
"$PY" - "$SCHEMA" "$report" <<'PY'
import json
import sys

schema = sys.argv[1]
with open(sys.argv[2]) as f:
    report = json.load(f)
for problem in report["problems"][:100]:
    where = ", ".join(loc.get("pointer", "") for loc in problem.get("location", []))
    print(f"{problem['severity']}: {problem['ruleId']}: {problem['message']} ({where})")
if len(report["problems"]) > 100:
    print(f"... and {len(report['problems']) - 100} more")
totals = report["totals"]
print(f"redocly lint {schema}: {totals['errors']} errors, {totals['warnings']} warnings")
sys.exit(1 if totals["errors"] or totals["warnings"] else 0)
PY
