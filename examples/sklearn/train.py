#!/usr/bin/env python3
"""Trains two versions of a diabetes-progression model and an iris classifier with scikit-learn, exports them to ONNX.

v1 is a LinearRegression, v2 a Ridge regression (the challenger). The data sets ship inside
scikit-learn, so nothing is downloaded. A linear model is y = X @ coef + intercept, so its ONNX
graph is one MatMul and one Add; it is written with onnx.helper because skl2onnx is not packaged
for Debian.

The classifier is a Pipeline(StandardScaler, LogisticRegression) on iris, labelled by species name.
Its graph is written node for node as skl2onnx exports that pipeline with its default options
(see classifier_to_onnx): ai.onnx.ml operators, ending in a ZipMap whose output is a sequence of
{species: probability} maps.

Writes to the output folder (default: the current one):
  v1.onnx, v2.onnx            the models: input "features" FP32 [-1, 10], output "progression" FP32 [-1, 1]
  v1.meta.json, v2.meta.json  upload metadata for the registry (description, metrics, source)
  test_rows.json              held-out rows, their true outcomes, and scikit-learn's own predictions
                              for them per version
  classifier.onnx             the iris pipeline: input "float_input" FP32 [-1, 4], outputs "output_label"
                              (species) and "output_probability" (a ZipMap)
  classifier.meta.json        its upload metadata (test accuracy)
  classifier_rows.json        held-out rows with scikit-learn's predict and predict_proba for them,
                              and classes_ (the order of predict_proba's columns)
"""
import argparse
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_diabetes, load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

TEST_ROWS = 20


def to_onnx(model, n_features: int, name: str) -> onnx.ModelProto:
    coef = numpy_helper.from_array(np.asarray(model.coef_, dtype=np.float32).reshape(n_features, 1), "coef")
    intercept = numpy_helper.from_array(np.asarray([model.intercept_], dtype=np.float32), "intercept")
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["features", "coef"], ["weighted"]),
            helper.make_node("Add", ["weighted", "intercept"], ["progression"]),
        ],
        name,
        # "batch" is a named dynamic dimension: the registry reports it as -1.
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", n_features])],
        [helper.make_tensor_value_info("progression", TensorProto.FLOAT, ["batch", 1])],
        initializer=[coef, intercept],
    )
    # IR 8 / opset 17: what onnx 1.12 (Debian 12) writes and onnxruntime loads.
    exported = helper.make_model(graph, producer_name="switchyard-sklearn-example", ir_version=8, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(exported)
    return exported


def classifier_to_onnx(pipeline: Pipeline, n_features: int) -> onnx.ModelProto:
    """The graph skl2onnx's convert_sklearn(pipeline, initial_types=[("float_input", FloatTensorType([None, n]))])
    writes for a StandardScaler followed by a multinomial LogisticRegression with string labels:

      Scaler            (x - mean_) * (1 / scale_)                            ai.onnx.ml
      LinearClassifier  coef_ and intercept_, SOFTMAX over the classes        ai.onnx.ml
      Normalizer        L1 (skl2onnx adds it for more than two classes)       ai.onnx.ml
      Identity          label -> output_label (a Cast to INT64 for integer labels)
      ZipMap            probabilities -> output_probability, one map per row  ai.onnx.ml
    """
    scaler, classifier = pipeline.named_steps["scaler"], pipeline.named_steps["classifier"]
    classes = [str(c) for c in classifier.classes_]
    nodes = [
        helper.make_node("Scaler", ["float_input"], ["variable"], domain="ai.onnx.ml",
                         offset=scaler.mean_.tolist(), scale=(1.0 / scaler.scale_).tolist()),
        helper.make_node("LinearClassifier", ["variable"], ["label", "probability_tensor"], domain="ai.onnx.ml",
                         coefficients=classifier.coef_.flatten().tolist(), intercepts=classifier.intercept_.tolist(),
                         multi_class=1, post_transform="SOFTMAX", classlabels_strings=classes),
        helper.make_node("Normalizer", ["probability_tensor"], ["probabilities"], domain="ai.onnx.ml", norm="L1"),
        helper.make_node("Identity", ["label"], ["output_label"]),
        helper.make_node("ZipMap", ["probabilities"], ["output_probability"], domain="ai.onnx.ml", classlabels_strings=classes),
    ]
    # sequence<map<string, float>>, spelled out: onnx 1.12 (Debian 12) has no make_map_type_proto.
    probability_maps = onnx.TypeProto()
    probability_maps.sequence_type.elem_type.map_type.key_type = TensorProto.STRING
    probability_maps.sequence_type.elem_type.map_type.value_type.tensor_type.elem_type = TensorProto.FLOAT
    graph = helper.make_graph(
        nodes,
        "pipeline_standard_scaler_logistic_regression",
        [helper.make_tensor_value_info("float_input", TensorProto.FLOAT, [None, n_features])],
        [
            helper.make_tensor_value_info("output_label", TensorProto.STRING, [None]),
            helper.make_value_info("output_probability", probability_maps),
        ],
    )
    exported = helper.make_model(graph, producer_name="switchyard-sklearn-example", ir_version=8,
                                 opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 1)])
    onnx.checker.check_model(exported)
    return exported


def train_classifier(out: str) -> None:
    iris = load_iris()
    species = iris.target_names[iris.target]
    x_train, x_test, y_train, y_test = train_test_split(iris.data, species, test_size=0.3, random_state=0, stratify=species)
    pipeline = Pipeline([("scaler", StandardScaler()), ("classifier", LogisticRegression(max_iter=1000))])
    pipeline.fit(x_train, y_train)
    accuracy = float(pipeline.score(x_test, y_test))
    onnx.save(classifier_to_onnx(pipeline, iris.data.shape[1]), os.path.join(out, "classifier.onnx"))
    with open(os.path.join(out, "classifier.meta.json"), "w") as f:
        json.dump({"description": "iris species from sepal and petal sizes", "metrics": {"accuracy": round(accuracy, 4)},
                   "source": "scikit-learn Pipeline(StandardScaler, LogisticRegression)"}, f)
    with open(os.path.join(out, "classifier_rows.json"), "w") as f:
        json.dump({"feature_names": list(iris.feature_names), "rows": x_test.tolist(), "targets": y_test.tolist(),
                   "classes": [str(c) for c in pipeline.classes_], "predict": pipeline.predict(x_test).tolist(),
                   "predict_proba": pipeline.predict_proba(x_test).tolist()}, f)
    print(f"classifier: StandardScaler + LogisticRegression on iris, test accuracy {accuracy:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="output folder")
    out = parser.parse_args().out
    os.makedirs(out, exist_ok=True)

    data = load_diabetes()
    x_train, x_test, y_train, y_test = train_test_split(data.data, data.target, test_size=0.2, random_state=42)
    versions = {
        "v1": ("ordinary least squares", LinearRegression()),
        "v2": ("ridge regression, alpha 0.1", Ridge(alpha=0.1)),
    }
    rows = x_test[:TEST_ROWS]
    expected = {}
    for key, (description, model) in versions.items():
        model.fit(x_train, y_train)
        rmse = float(np.sqrt(mean_squared_error(y_test, model.predict(x_test))))
        onnx.save(to_onnx(model, data.data.shape[1], f"diabetes_{key}"), os.path.join(out, f"{key}.onnx"))
        meta = {
            "description": f"diabetes progression, {description}",
            "metrics": {"rmse": round(rmse, 4)},
            "source": f"scikit-learn {type(model).__name__}",
        }
        with open(os.path.join(out, f"{key}.meta.json"), "w") as f:
            json.dump(meta, f)
        expected[key] = model.predict(rows).tolist()
        print(f"{key}: {type(model).__name__}, test RMSE {rmse:.2f}")

    with open(os.path.join(out, "test_rows.json"), "w") as f:
        json.dump(
            {"feature_names": list(data.feature_names), "rows": rows.tolist(), "targets": y_test[:TEST_ROWS].tolist(), "sklearn": expected},
            f,
        )
    train_classifier(out)


if __name__ == "__main__":
    main()
