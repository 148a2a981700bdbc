#!/usr/bin/env bash
# Build the action's Dockerfile with podman (see ../shared/container-recipe.md) and run the image
# once as the Actions runner would: workspace, event and file-command directories mounted, INPUT_*
# and GITHUB_* passed with -e, the fake GitHub server running on the host (--network host).
# Checks the exit code, the step summary, the outputs, the commit status the run posted, the
# ownership of the files it wrote, and that the image has no compilers and no pip cache.
# Prints the image size. Exit 0 when everything holds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
IMAGE="${CHANGEPROOF_TEST_IMAGE:-localhost/changeproof:test}"
BASE_IMAGE="${CHANGEPROOF_BASE_IMAGE:-localhost/changeproof-base:bookworm}"

bash "$ROOT/scripts/setup/container.sh"
export CONTAINERS_CONF="${CHANGEPROOF_CACHE:-$ROOT/.cache/container}/containers.conf"

fail() { echo "container test: FAIL: $*" >&2; exit 1; }

echo "container test: building $IMAGE from $BASE_IMAGE" >&2
podman build -q --network host --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$IMAGE" "$ROOT" >/dev/null \
  || fail "podman build failed"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# The fake GitHub server on the host, serving the reference pull request.
"$PY" -c "import json, sys; sys.path.append('tests'); from fakegithub import scenario; \
print(json.dumps(scenario.typical()))" > "$WORK/scenario.json"
"$PY" tests/fakegithub/server.py "$WORK/scenario.json" --port-file "$WORK/port" --log "$WORK/log.json" &
SERVER_PID=$!
for _ in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
[ -s "$WORK/port" ] || fail "the fake GitHub server did not start"
API_URL="$(cat "$WORK/port")"

# What the runner mounts: the workspace (owned by the runner's user), the event, file commands.
mkdir -p "$WORK/workspace" "$WORK/workflow" "$WORK/file_commands" "$WORK/home"
chown 1001:1001 "$WORK/workspace"
: > "$WORK/file_commands/output"
: > "$WORK/file_commands/summary"
"$PY" -c "import json, sys; sys.path.insert(0, 'tests/github'); \
from ghaction import pr_event; print(json.dumps(pr_event()))" > "$WORK/workflow/event.json"

set +e
podman run --rm --network host \
  --workdir /github/workspace \
  -v "$WORK/workspace:/github/workspace" -v "$WORK/workflow:/github/workflow" \
  -v "$WORK/file_commands:/github/file_commands" -v "$WORK/home:/github/home" \
  -e HOME=/github/home -e GITHUB_ACTIONS=true -e CI=true \
  -e GITHUB_EVENT_NAME=pull_request -e GITHUB_EVENT_PATH=/github/workflow/event.json \
  -e GITHUB_REPOSITORY=acme/web -e "GITHUB_API_URL=$API_URL" -e GITHUB_SERVER_URL=https://github.com \
  -e GITHUB_WORKSPACE=/github/workspace -e GITHUB_OUTPUT=/github/file_commands/output \
  -e GITHUB_STEP_SUMMARY=/github/file_commands/summary -e GITHUB_RUN_ID=4242 -e GITHUB_REF=refs/pull/7/merge \
  -e "INPUT_GITHUB-TOKEN=ghs_containertoken123" -e INPUT_JOB= -e INPUT_CHECK-RUN=false -e INPUT_COMMENT=false \
  -e INPUT_IAC=auto -e INPUT_SIGNING-MODE=none \
  -e CHANGEPROOF_API_THROTTLE=0 \
  "$IMAGE" > "$WORK/stdout" 2> "$WORK/stderr"
CODE=$?
set -e

kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""

show() { echo "--- stdout"; cat "$WORK/stdout"; echo "--- stderr"; cat "$WORK/stderr"; echo "--- summary"; cat "$WORK/file_commands/summary"; } >&2
[ "$CODE" -eq 0 ] || { show; fail "the image exited $CODE, expected 0"; }
grep -q "changeproof: PASS" "$WORK/file_commands/summary" || { show; fail "the step summary has no PASS verdict"; }
grep -q "Independent peer review" "$WORK/file_commands/summary" || { show; fail "the step summary has no control table"; }
grep -q "^verdict<<ghadelimiter_" "$WORK/file_commands/output" || { show; fail "no verdict output"; }
grep -A1 "^verdict<<" "$WORK/file_commands/output" | grep -qx pass || { show; fail "verdict output is not pass"; }
grep -q "::add-mask::ghs_containertoken123" "$WORK/stdout" || { show; fail "the token was not masked"; }
[ -f "$WORK/workspace/.changeproof/report.json" ] || fail "no report.json in the workspace"
[ "$(stat -c %u "$WORK/workspace/.changeproof/report.json")" = 1001 ] || fail "report.json is not owned by the workspace owner"
"$PY" - "$WORK/log.json" <<'PYEOF' || fail "the fake server did not see a success status on the head sha"
import json, sys
log = json.load(open(sys.argv[1]))
statuses = log["writes"].get("statuses", [])
assert statuses and statuses[-1]["state"] == "success" and statuses[-1]["context"] == "changeproof", statuses
gets = [r for r in log["requests"] if r["method"] == "GET"]
assert len(gets) <= 15, len(gets)
print(f"container test: {len(gets)} GET calls, status {statuses[-1]['state']}", file=sys.stderr)
PYEOF

# The final image: no compilers, no pip cache, byte-compiled package.
podman run --rm --entrypoint /bin/sh "$IMAGE" -c '
  for cc in gcc cc c++ clang; do command -v "$cc" >/dev/null 2>&1 && { echo "compiler $cc present"; exit 1; }; done
  [ ! -d /root/.cache/pip ] || { echo "pip cache present"; exit 1; }
  ls /opt/changeproof/lib/python3*/site-packages/checker/__pycache__/*.pyc >/dev/null || { echo "not byte-compiled"; exit 1; }
  ' || fail "final image check"

SIZE="$(podman image inspect "$IMAGE" --format '{{.Size}}')"
BASE_SIZE="$(podman image inspect "$BASE_IMAGE" --format '{{.Size}}')"
echo "container test: OK; image $IMAGE is $((SIZE / 1000000)) MB ($(( (SIZE - BASE_SIZE) / 1000000 )) MB above the base)"
