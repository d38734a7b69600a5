"""Small real ONNX classifiers built with the onnx package's helpers, for judges the tests install."""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

TYPES = {"float32": TensorProto.FLOAT, "float16": TensorProto.FLOAT16, "uint8": TensorProto.UINT8}


def linear_classifier(path, input_shape, outputs=1, activation=None, dtype="float32", seed=0, batch="N"):
    """Write a model that flattens the image, applies random weights and an optional Sigmoid/Softmax.

    Each output depends on every input pixel, so any difference in preprocessing changes the scores.
    The weights are scaled so that a real photo's logits spread over a few units, not saturating.
    """
    rng = np.random.default_rng(seed)
    features = int(np.prod(input_shape[1:]))
    weights = (rng.standard_normal((features, outputs)) * (4 / np.sqrt(features))).astype(np.float32)
    bias = (-0.5 * weights.sum(axis=0)).astype(np.float32)  # centres a mid-grey photo at logit 0
    shape = [batch if batch else input_shape[0], *input_shape[1:]]
    nodes = []
    source = "image"
    if dtype != "float32":
        nodes.append(helper.make_node("Cast", ["image"], ["image_f"], to=TensorProto.FLOAT))
        source = "image_f"
    scale = 1 / 255 if dtype == "uint8" else 1.0
    nodes += [
        helper.make_node("Mul", [source, "scale"], ["scaled"]),
        helper.make_node("Flatten", ["scaled"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "weights", "bias"], ["logits" if activation else "scores"]),
    ]
    if activation == "sigmoid":
        nodes.append(helper.make_node("Sigmoid", ["logits"], ["scores"]))
    elif activation == "softmax":
        nodes.append(helper.make_node("Softmax", ["logits"], ["scores"], axis=1))
    graph = helper.make_graph(
        nodes,
        "linear_classifier",
        [helper.make_tensor_value_info("image", TYPES[dtype], shape)],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [shape[0], outputs])],
        initializer=[
            numpy_helper.from_array(np.array(scale, dtype=np.float32), "scale"),
            numpy_helper.from_array(weights, "weights"),
            numpy_helper.from_array(bias, "bias"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=10)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def kleamp1e_like(path, seed=0):
    """A model with the published kleamp1e signature: float32 [1, 384, 384, 3] NHWC -> [1, 1], sigmoid inside."""
    return linear_classifier(path, [1, 384, 384, 3], outputs=1, activation="sigmoid", seed=seed, batch=1)
