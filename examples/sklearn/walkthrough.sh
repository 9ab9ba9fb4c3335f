#!/usr/bin/env bash
# From scikit-learn to an A/B test on Switchyard, with curl. See README.md beside this file.
#
#   examples/sklearn/walkthrough.sh          # against `npm start` on localhost
#
# Settings (environment):
#   REGISTRY, GATEWAY       where Switchyard runs (default http://localhost:3000, http://localhost:8080)
#   MODEL                   model name to register (default diabetes; it must not exist yet)
#   PYTHON                  a python3 with scikit-learn and onnx (Debian: python3-sklearn python3-onnx)
#   WORK                    folder for the models and the answers (default: a new temporary folder)
#   SWITCHYARD_API_KEY      sent as a bearer token when set
set -euo pipefail

REGISTRY=${REGISTRY:-http://localhost:3000}
GATEWAY=${GATEWAY:-http://localhost:8080}
MODEL=${MODEL:-diabetes}
PYTHON=${PYTHON:-python3}
WORK=${WORK:-$(mktemp -d)}
HERE=$(cd "$(dirname "$0")" && pwd)

# Every call goes through api: -f turns an HTTP error into a failed step, and the API key (when
# auth is on) is added here once.
AUTH=()
if [ -n "${SWITCHYARD_API_KEY:-}" ]; then AUTH=(-H "Authorization: Bearer $SWITCHYARD_API_KEY"); fi
api() { curl -fsS ${AUTH[@]+"${AUTH[@]}"} "$@"; }
json() { curl -fsS ${AUTH[@]+"${AUTH[@]}"} -H 'content-type: application/json' "$@"; }
# Reads one value out of the JSON on stdin: field 'version', or a Python expression over d.
field() { "$PYTHON" -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }
step() { printf '\n== %s\n' "$*"; }

step "1. train v1 (LinearRegression) and v2 (Ridge) on scikit-learn's diabetes data, export to ONNX"
"$PYTHON" "$HERE/train.py" --out "$WORK"

step "2. register the model"
json -X POST "$REGISTRY/v1/models" \
  -d "{\"name\":\"$MODEL\",\"description\":\"diabetes progression one year on\",\"tags\":{\"example\":\"sklearn\"}}"
echo

step "3. upload v1 and v2 (artifact + metadata with the test RMSE)"
v1=$(api -F "artifact=@$WORK/v1.onnx" -F "metadata=@$WORK/v1.meta.json;type=application/json" "$REGISTRY/v1/models/$MODEL/versions" | field 'd["version"]')
v2=$(api -F "artifact=@$WORK/v2.onnx" -F "metadata=@$WORK/v2.meta.json;type=application/json" "$REGISTRY/v1/models/$MODEL/versions" | field 'd["version"]')
echo "uploaded versions $v1 and $v2"

step "4. wait until the worker has validated both"
for version in "$v1" "$v2"; do
  for attempt in $(seq 1 120); do
    status=$(api "$REGISTRY/v1/models/$MODEL/versions/$version" | field 'd["status"]')
    [ "$status" != pending ] && break
    sleep 0.5
  done
  echo "version $version: $status"
  if [ "$status" != ready ]; then
    api "$REGISTRY/v1/models/$MODEL/versions/$version"
    exit 1
  fi
done

step "5. v1 champion, v2 challenger on 20 % of callers"
json -X PUT "$REGISTRY/v1/models/$MODEL/aliases/champion" -d "{\"version\":$v1}" >/dev/null
json -X PUT "$REGISTRY/v1/models/$MODEL/aliases/challenger" -d "{\"version\":$v2}" >/dev/null
# The traffic split is guarded by the deployment's revision: send back its ETag as If-Match.
etag=$(api -D - -o /dev/null "$REGISTRY/v1/models/$MODEL/deployment" | tr -d '\r' | awk 'tolower($1) == "etag:" { print $2 }')
json -X PUT "$REGISTRY/v1/models/$MODEL/traffic" -H "If-Match: $etag" -d '{"challenger_percent":20}'
echo

step "6. wait until every gateway serves the new split"
for attempt in $(seq 1 120); do
  served=$(api "$REGISTRY/v1/models/$MODEL/deployment" |
    field 'len(d["rollout"]) > 0 and all(r["serving_revision"] >= d["revision"] for r in d["rollout"])')
  [ "$served" = True ] && break
  sleep 0.5
done
[ "$served" = True ] || { echo "the gateways did not load the deployment"; exit 1; }
echo "served"

step "7. predict: one call per patient (X-Routing-Key keeps each patient on one variant)"
rows=$("$PYTHON" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["rows"]))' "$WORK/test_rows.json")
: >"$WORK/predictions.jsonl"
for i in $(seq 0 $((rows - 1))); do
  row=$("$PYTHON" -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["rows"][int(sys.argv[2])]))' "$WORK/test_rows.json" "$i")
  json -X POST "$GATEWAY/v1/models/$MODEL/predict" -H "X-Routing-Key: patient-$i" -d "{\"instances\":[$row]}" >>"$WORK/predictions.jsonl"
  echo >>"$WORK/predictions.jsonl"
done
"$PYTHON" - "$WORK/predictions.jsonl" <<'PY'
import json, sys
answers = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
for variant in ("champion", "challenger"):
    print(f"{variant}: {sum(a['variant'] == variant for a in answers)} of {len(answers)} patients")
print("first answer:", json.dumps(answers[0]))
PY

step "8. every row on each variant (X-Switchyard-Variant pins one), to compare with scikit-learn"
all_rows=$("$PYTHON" -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["rows"]))' "$WORK/test_rows.json")
for variant in champion challenger; do
  json -X POST "$GATEWAY/v1/models/$MODEL/predict" -H "X-Switchyard-Variant: $variant" -d "{\"instances\":$all_rows}" >"$WORK/$variant.json"
done
"$PYTHON" - "$WORK" <<'PY'
import json, os, sys
work = sys.argv[1]
expected = json.load(open(os.path.join(work, "test_rows.json")))["sklearn"]
for variant, key in (("champion", "v1"), ("challenger", "v2")):
    got = [row[0] for row in json.load(open(os.path.join(work, f"{variant}.json")))["outputs"]["progression"]]
    worst = max(abs(g - e) / max(1.0, abs(e)) for g, e in zip(got, expected[key]))
    print(f"{variant} ({key}): largest relative difference from scikit-learn {worst:.1e}")
PY

step "9. report outcomes: the true progression of each patient, by request_id"
# Feedback is accepted once the gateway has logged the prediction (within PREDICTION_LOG_FLUSH_MS).
sleep 1
"$PYTHON" - "$WORK" <<'PY' >"$WORK/feedback.jsonl"
import json, os, sys
work = sys.argv[1]
targets = json.load(open(os.path.join(work, "test_rows.json")))["targets"]
answers = [json.loads(line) for line in open(os.path.join(work, "predictions.jsonl")) if line.strip()]
for answer, target in zip(answers, targets):
    print(json.dumps({"request_id": answer["request_id"], "value": target}))
PY
while IFS= read -r outcome; do
  json -X POST "$GATEWAY/v1/feedback" -d "$outcome" >/dev/null
done <"$WORK/feedback.jsonl"
echo "$(wc -l <"$WORK/feedback.jsonl") outcomes reported"

step "10. statistics per variant"
api "$REGISTRY/v1/models/$MODEL/stats"
echo
