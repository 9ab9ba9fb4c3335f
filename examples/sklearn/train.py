#!/usr/bin/env python3
"""Trains two versions of a diabetes-progression model with scikit-learn and exports them to ONNX.

v1 is a LinearRegression, v2 a Ridge regression (the challenger). The data set ships inside
scikit-learn, so nothing is downloaded. A linear model is y = X @ coef + intercept, so its ONNX
graph is one MatMul and one Add; it is written with onnx.helper because skl2onnx is not packaged
for Debian.

Writes to the output folder (default: the current one):
  v1.onnx, v2.onnx            the models: input "features" FP32 [-1, 10], output "progression" FP32 [-1, 1]
  v1.meta.json, v2.meta.json  upload metadata for the registry (description, metrics, source)
  test_rows.json              held-out rows, their true outcomes, and scikit-learn's own predictions
                              for them per version
"""
import argparse
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split

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


if __name__ == "__main__":
    main()
