#!/usr/bin/env bash
# structnosql against StructNoSQL 2.6.7, the Python library it ports, on one DynamoDB server.
#
#   benches/python_original/run.sh [--records N] [--repetitions N]     (options go to workload.py; defaults 500 and 5)
#
# 1. Creates the virtualenv .tools/structnosql-py with requirements.txt (once; again if the pins change).
# 2. Starts DynamoDB Local with scripts/dynamodb-local.sh (port $DYNAMODB_LOCAL_PORT, default 8002),
#    unless STRUCTNOSQL_BENCH_ENDPOINT already names a server or one is already running there.
# 3. Runs workload.py with StructNoSQL on that server: request counts and consumed capacity units of
#    the economy scenarios (target/bench-results/original-python-economy.json) and the timed workload
#    (target/bench-results/original-python.json).
# 4. Runs `cargo bench --bench economy` and `cargo bench --bench original` against the same server;
#    they print structnosql's figures next to StructNoSQL's.
# 5. Stops the server if this script started it.
#
# Needs Python 3 with venv (3.11 is what this was checked with), plus Java 17+ and npm for DynamoDB Local.
# Exits non-zero when a step fails or when the economy bench finds structnosql sending more requests
# than StructNoSQL.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv="$root/.tools/structnosql-py"
requirements="$here/requirements.txt"

die() { echo "benches/python_original: $*" >&2; exit 1; }

# ---- 1. The virtualenv -------------------------------------------------------------------------------
python="${STRUCTNOSQL_PYTHON:-}"
if [ -z "$python" ]; then
  if command -v python3.11 >/dev/null 2>&1; then python=python3.11; else python=python3; fi
fi
command -v "$python" >/dev/null 2>&1 || die "$python is not installed (Debian: apt-get install python3 python3-venv)"

stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$stamp"; then
  echo "benches/python_original: creating $venv with $($python --version 2>&1)" >&2
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv" ||
    die "could not create a virtualenv with $python (Debian: apt-get install python3-venv)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
fi
"$venv/bin/python" -c 'import StructNoSQL' || die "StructNoSQL does not import in $venv; delete it and run again"

# ---- 2. The server -----------------------------------------------------------------------------------
started_server=0
stop_server() {
  if [ "$started_server" = 1 ]; then
    "$root/scripts/dynamodb-local.sh" stop || true
  fi
}
trap stop_server EXIT

answers_list_tables() {
  curl -sf -m 2 -X POST "$1" \
    -H 'Content-Type: application/x-amz-json-1.0' \
    -H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0' \
    -d '{}' 2>/dev/null | grep -q TableNames
}

if [ -n "${STRUCTNOSQL_BENCH_ENDPOINT:-}" ]; then
  endpoint="$STRUCTNOSQL_BENCH_ENDPOINT"
  echo "benches/python_original: using the server at $endpoint (STRUCTNOSQL_BENCH_ENDPOINT)" >&2
else
  endpoint="http://127.0.0.1:${DYNAMODB_LOCAL_PORT:-8002}"
  if answers_list_tables "$endpoint"; then
    echo "benches/python_original: using the DynamoDB server already running at $endpoint (left running)" >&2
  else
    "$root/scripts/dynamodb-local.sh" start
    started_server=1
  fi
fi
export STRUCTNOSQL_BENCH_ENDPOINT="$endpoint"

# ---- 3. StructNoSQL ----------------------------------------------------------------------------------
"$venv/bin/python" "$here/workload.py" "$@"

# ---- 4. structnosql ----------------------------------------------------------------------------------
cd "$root"
economy=0
cargo bench --bench economy || economy=$?
cargo bench --bench original
if [ "$economy" != 0 ]; then
  die "the economy bench failed (exit $economy): see the WORSE / FAILED lines above"
fi
