#!/usr/bin/env bash
# Runs every test project of the solution and prints, as the last line, the totals: "N passed, N failed".
# The one-machine projects run together; the NATS project runs after them, so that its servers and the runtime's
# process tests do not share two cores at once. `bash test.sh --cluster` also runs the NATS cluster tests (issue 12:
# 200,000 queue items through a 3-node cluster that loses a node; minutes each, so not in the default suite nor in
# .ci/run: see docs/nats.md).
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
filter="Category!=Cluster"
[ "${1:-}" = "--cluster" ] && filter="Category=Cluster|Category!=Cluster"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet build Channels.sln -c Release 2>&1 | tail -n 3
build=${PIPESTATUS[0]}
if [ "$build" -ne 0 ]; then
  dotnet build Channels.sln -c Release 2>&1 | grep -E 'error' | sort -u | head -n 40
  echo "0 passed, 1 failed"
  exit 1
fi
dotnet test tests/OnOneMachine.slnf -c Release --no-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
dotnet test tests/Channels.Nats.Tests -c Release --no-build --filter "$filter" 2>&1 | tee -a "$log"
nats=${PIPESTATUS[0]}
[ "$status" -eq 0 ] && status=$nats
passed=0; failed=0
while read -r f p; do passed=$((passed + p)); failed=$((failed + f)); done < <(
  grep -E '(Passed|Failed)!? +- Failed: +[0-9]+, Passed: +[0-9]+' "$log" |
  sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+).*/\1 \2/')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
