#!/usr/bin/env bash
# From scikit-learn to an A/B test on Switchyard, with curl. See README.md beside this file.
#
#   examples/sklearn/walkthrough.sh          # against `npm start` on localhost
#
# Settings (environment):
#   REGISTRY, GATEWAY       where Switchyard runs (default http://localhost:3000, http://localhost:8080)
#   MODEL                   model name to register (default diabetes; it must not exist yet)
#   CLASSIFIER              the classifier's model name (default iris; it must not exist yet)
#   PYTHON                  a python3 with scikit-learn and onnx (Debian: python3-sklearn python3-onnx)
#   WORK                    folder for the models and the answers (default: a new temporary folder)
#   SWITCHYARD_API_KEY      sent as a bearer token when set
set -euo pipefail

REGISTRY=${REGISTRY:-http://localhost:3000}
GATEWAY=${GATEWAY:-http://localhost:8080}
MODEL=${MODEL:-diabetes}
CLASSIFIER=${CLASSIFIER:-iris}
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
# Polls a version until the worker has validated it; prints the version and fails unless it is ready.
wait_ready() {
  local model=$1 version=$2 status
  for attempt in $(seq 1 120); do
    status=$(api "$REGISTRY/v1/models/$model/versions/$version" | field 'd["status"]')
    [ "$status" != pending ] && break
    sleep 0.5
  done
  echo "$model version $version: $status"
  if [ "$status" != ready ]; then
    api "$REGISTRY/v1/models/$model/versions/$version"
    exit 1
  fi
}
# Polls the deployment until every gateway serves its latest revision.
wait_served() {
  local model=$1 served
  for attempt in $(seq 1 120); do
    served=$(api "$REGISTRY/v1/models/$model/deployment" |
      field 'len(d["rollout"]) > 0 and all(r["serving_revision"] >= d["revision"] for r in d["rollout"])')
    [ "$served" = True ] && break
    sleep 0.5
  done
  [ "$served" = True ] || { echo "the gateways did not load the deployment of $model"; exit 1; }
  echo "served"
}

step "1. train v1 (LinearRegression) and v2 (Ridge) on scikit-learn's diabetes data, and an iris classifier; export to ONNX"
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
for version in "$v1" "$v2"; do wait_ready "$MODEL" "$version"; done

step "5. v1 champion, v2 challenger on 20 % of callers"
json -X PUT "$REGISTRY/v1/models/$MODEL/aliases/champion" -d "{\"version\":$v1}" >/dev/null
json -X PUT "$REGISTRY/v1/models/$MODEL/aliases/challenger" -d "{\"version\":$v2}" >/dev/null
# The traffic split is guarded by the deployment's revision: send back its ETag as If-Match.
etag=$(api -D - -o /dev/null "$REGISTRY/v1/models/$MODEL/deployment" | tr -d '\r' | awk 'tolower($1) == "etag:" { print $2 }')
json -X PUT "$REGISTRY/v1/models/$MODEL/traffic" -H "If-Match: $etag" -d '{"challenger_percent":20}'
echo

step "6. wait until every gateway serves the new split"
wait_served "$MODEL"

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

step "9. report ground truth: each patient's true progression, as a label, by request_id"
# A label is the true answer the model should have given: the stats compare it with what each
# variant predicted (MAE, RMSE). A "value" would be a business outcome (say, a readmission cost),
# compared between variants by its mean — for a true progression that would compare two groups of
# patients, not the two models.
# Feedback is accepted once the gateway has logged the prediction (within PREDICTION_LOG_FLUSH_MS;
# 404 until then): each label is retried for up to 20 s, and the last try reports its error.
report() {
  for _ in $(seq 99); do json -X POST "$GATEWAY/v1/feedback" -d "$1" >/dev/null 2>&1 && return; sleep 0.2; done
  json -X POST "$GATEWAY/v1/feedback" -d "$1" >/dev/null
}
"$PYTHON" - "$WORK" <<'PY' >"$WORK/feedback.jsonl"
import json, os, sys
work = sys.argv[1]
targets = json.load(open(os.path.join(work, "test_rows.json")))["targets"]
answers = [json.loads(line) for line in open(os.path.join(work, "predictions.jsonl")) if line.strip()]
for answer, target in zip(answers, targets):
    print(json.dumps({"request_id": answer["request_id"], "label": target}))
PY
while IFS= read -r label; do report "$label"; done <"$WORK/feedback.jsonl"
echo "$(wc -l <"$WORK/feedback.jsonl") labels reported"

step "10. statistics per variant: model quality (MAE, RMSE) from the labels, and the comparison"
# The worker joins the labels within a second or two.
sleep 2
api "$REGISTRY/v1/models/$MODEL/stats" >"$WORK/stats.json"
"$PYTHON" - "$WORK/stats.json" <<'PY'
import json, sys
stats = json.load(open(sys.argv[1]))
for variant in stats["variants"]:
    quality = variant["quality"] or {"labelled": 0, "metrics": {}}
    mae = quality["metrics"].get("mae") or {}
    print(f"{variant['variant']}: {quality['labelled']} labelled, MAE {mae.get('value')} (95 % CI {mae.get('interval')})")
print("verdict:", stats["verdict"]["summary"])
PY

step "11. a classifier: register $CLASSIFIER, upload the iris pipeline (its probabilities end in a ZipMap), wait for validation"
json -X POST "$REGISTRY/v1/models" -d "{\"name\":\"$CLASSIFIER\",\"description\":\"iris species\",\"tags\":{\"example\":\"sklearn\"}}" >/dev/null
classifier=$(api -F "artifact=@$WORK/classifier.onnx" -F "metadata=@$WORK/classifier.meta.json;type=application/json" "$REGISTRY/v1/models/$CLASSIFIER/versions" | field 'd["version"]')
wait_ready "$CLASSIFIER" "$classifier"
# onnxruntime-node cannot return ZipMap's sequence of maps: Switchyard serves the probability tensor
# that feeds it, and the signature names the class of each column (class_labels).
api "$REGISTRY/v1/models/$CLASSIFIER/versions/$classifier" >"$WORK/classifier_version.json"
"$PYTHON" - "$WORK/classifier_version.json" <<'PY'
import json, sys
version = json.load(open(sys.argv[1]))
for output in version["signature"]["outputs"]:
    print("output:", json.dumps(output))
for change in version["validation"]["graph_changes"]:
    print("served:", change)
PY

step "12. make it the champion and wait until the gateways serve it"
json -X PUT "$REGISTRY/v1/models/$CLASSIFIER/aliases/champion" -d "{\"version\":$classifier}" >/dev/null
wait_served "$CLASSIFIER"

step "13. predict every held-out flower on /v1 and on /v2 (Open Inference Protocol)"
"$PYTHON" -c 'import json, sys; print(json.dumps({"inputs": {"float_input": json.load(open(sys.argv[1]))["rows"]}}))' "$WORK/classifier_rows.json" >"$WORK/classifier_request_v1.json"
"$PYTHON" -c 'import json, sys; rows = json.load(open(sys.argv[1]))["rows"]; print(json.dumps({"inputs": [{"name": "float_input", "shape": [len(rows), len(rows[0])], "datatype": "FP32", "data": [v for r in rows for v in r]}]}))' "$WORK/classifier_rows.json" >"$WORK/classifier_request_v2.json"
json -X POST "$GATEWAY/v1/models/$CLASSIFIER/predict" -d "@$WORK/classifier_request_v1.json" >"$WORK/classifier_v1.json"
json -X POST "$GATEWAY/v2/models/$CLASSIFIER/infer" -d "@$WORK/classifier_request_v2.json" >"$WORK/classifier_v2.json"
"$PYTHON" -c 'import json, sys; d = json.load(open(sys.argv[1])); print("first flower:", d["outputs"]["output_label"][0], d["outputs"]["output_probability"][0])' "$WORK/classifier_v1.json"

step "14. compare with scikit-learn's predict and predict_proba"
"$PYTHON" - "$WORK" <<'PY'
import json, os, sys
work = sys.argv[1]
expected = json.load(open(os.path.join(work, "classifier_rows.json")))
labels = json.load(open(os.path.join(work, "classifier_version.json")))["signature"]["outputs"][1]["class_labels"]
# Columns are in class_labels order; look each of scikit-learn's classes_ up by name.
columns = [labels.index(c) for c in expected["classes"]]
v1 = json.load(open(os.path.join(work, "classifier_v1.json")))["outputs"]
v2 = {o["name"]: o for o in json.load(open(os.path.join(work, "classifier_v2.json")))["outputs"]}
n, k = len(expected["rows"]), len(labels)
answers = {
    "/v1": (v1["output_label"], v1["output_probability"]),
    "/v2": (v2["output_label"]["data"], [v2["output_probability"]["data"][i * k:(i + 1) * k] for i in range(n)]),
}
ok = True
for route, (got_labels, got_probabilities) in answers.items():
    same = sum(g == e for g, e in zip(got_labels, expected["predict"]))
    worst = max(abs(row[columns[j]] - p) for row, want in zip(got_probabilities, expected["predict_proba"]) for j, p in enumerate(want))
    print(f"{route}: {same} of {n} labels equal predict; largest difference from predict_proba {worst:.1e}")
    ok = ok and same == n and len(got_labels) == n and worst <= 1e-5
sys.exit(0 if ok else 1)
PY
