#!/usr/bin/env bash
# Certify LiteLLM's proxy with the conformance suite: LiteLLM in its own virtualenv (outside this
# repository), routing OpenAI, Anthropic and Gemini models to this project's gateway on the mock
# upstream, both on loopback; the certificate goes to docs/certificates/litellm/ (or $1).
#
#   scripts/certify-litellm.sh [REPORT_DIR]
#
# Environment: LITELLM_VENV (default /work/litellm-venv), LITELLM_VERSION (1.106.2, the newest
# release installable here), PYTHON (python3.11), GATEWAY_PORT (18080), LITELLM_PORT (14000),
# PROJECT_BIN (the directory holding the project's `gateway` and `conformance` commands; default:
# the one of the python running them, else PATH).
# Exit status: the suite's (non-zero when a claimed check fails); the certificate is written anyway.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPORT="${1:-$REPO/docs/certificates/litellm}"
VENV="${LITELLM_VENV:-/work/litellm-venv}"
VERSION="${LITELLM_VERSION:-1.106.2}"
PYTHON="${PYTHON:-python3.11}"
GATEWAY_PORT="${GATEWAY_PORT:-18080}"
LITELLM_PORT="${LITELLM_PORT:-14000}"
PROJECT_BIN="${PROJECT_BIN:-$(dirname "$(command -v conformance || echo /work/venv/bin/conformance)")}"
MASTER_KEY="sk-conformance-litellm"   # LiteLLM's key for the suite; never a real provider's
GATEWAY_KEY="gw-demo-key"             # the gateway's embedded demo key, LiteLLM's upstream key

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

wait_for() {  # URL SECONDS LOG: until the server answers at all (any status)
    for _ in $(seq "$2"); do
        curl -sS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 1
    done
    echo "not up after $2 s: $1; its log:" >&2
    tail -40 "$3" >&2
    return 1
}

if [ ! -x "$VENV/bin/litellm" ]; then
    echo "== creating $VENV with litellm[proxy]==$VERSION"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet "litellm[proxy]==$VERSION" prisma
fi

echo "== the project's gateway (mock upstream) on 127.0.0.1:$GATEWAY_PORT"
"$PROJECT_BIN/gateway" serve --host 127.0.0.1 --port "$GATEWAY_PORT" \
    --ledger-url "sqlite:///$WORK/ledger.sqlite3" >"$WORK/gateway.log" 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$GATEWAY_PORT/v1/models" 30 "$WORK/gateway.log"

UPSTREAM="http://127.0.0.1:$GATEWAY_PORT"
model() {  # NAME LITELLM_MODEL API_BASE
    printf '  - model_name: %s\n    litellm_params:\n      model: %s\n      api_base: %s\n      api_key: %s\n' \
        "$1" "$2" "$3" "$GATEWAY_KEY"
}
{
    echo "model_list:"
    for name in gpt-4o-mini gpt-4o gpt-5 gpt-image-1; do model "$name" "openai/$name" "$UPSTREAM/v1"; done
    for name in claude-haiku-4-5 claude-sonnet-4-5; do model "$name" "anthropic/$name" "$UPSTREAM"; done
    for name in gemini-2.5-flash gemini-2.5-pro; do model "$name" "gemini/$name" "$UPSTREAM/v1beta"; done
    echo "general_settings:"
    echo "  master_key: $MASTER_KEY"
    echo "litellm_settings:"
    echo "  telemetry: false"
} >"$WORK/litellm.yaml"

echo "== LiteLLM $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("litellm"))') on 127.0.0.1:$LITELLM_PORT"
LITELLM_LOCAL_MODEL_COST_MAP=True \
    "$VENV/bin/litellm" --config "$WORK/litellm.yaml" --host 127.0.0.1 --port "$LITELLM_PORT" \
    >"$WORK/litellm.log" 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$LITELLM_PORT/health/liveliness" 180 "$WORK/litellm.log"

echo "== conformance run against LiteLLM"
status=0
cd "$REPO"  # the certificate names the profile by this relative path
"$PROJECT_BIN/conformance" run --target "http://127.0.0.1:$LITELLM_PORT" --key "$MASTER_KEY" \
    --profile conformance/profiles/litellm.yaml --report "$REPORT" || status=$?
echo "== certificate in $REPORT (suite exit status $status)"
exit "$status"
