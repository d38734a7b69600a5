"""The features trained judges learn from: the frozen backbone pooled at several depths, averaged with its mirror image.

Style and texture (flat fills, outlines, screen text, camera noise) live in the early layers that
the final 1280-d embedding has mostly pooled away, so the mean of each stage's last feature map
(16, 24, 40, 80, 112, 192 and 320 channels) is kept beside the embedding: 2064 numbers. The photo
and its mirror image run as one batch and their features are averaged, so a judge never depends
on which way a photo faces. All of it is ONNX graph built from the backbone file (no re-export,
no torch): training runs this graph, and a trained judge's model.onnx is this graph with the head
appended, so a served photo gets exactly the features its judge was trained on.
"""

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .embedder import BACKBONE

OUTPUT = "features"
VERSION = 1  # bump when the graph below changes, so that no stale cached file is used
TAP_OPS = ("Add", "Conv")


def taps(model):
    """The last output of each backbone stage: per (channels, height, width), the last block output
    (an Add, or a Conv whose output is not clipped by a ReLU6), in graph order."""
    inferred = onnx.shape_inference.infer_shapes(model)
    shapes = {value.name: tuple(d.dim_value for d in value.type.tensor_type.shape.dim)[1:]
              for value in inferred.graph.value_info}
    clipped = {node.input[0] for node in model.graph.node if node.op_type == "Clip"}
    last = {}
    for node in model.graph.node:
        out = node.output[0]
        if node.op_type in TAP_OPS and (node.op_type == "Add" or out not in clipped) and len(shapes.get(out, ())) == 3:
            last[shapes[out]] = out
    return list(last.values()), sum(shape[0] for shape in last)


def feature_model(backbone=BACKBONE):
    """The backbone graph turned into image [N, 3, 224, 224] -> features [N, 2064] (see the module docstring)."""
    model = onnx.load(str(backbone))
    graph = model.graph
    image = graph.input[0].name
    stage_outputs, channels = taps(model)
    embedding = graph.output[0].name
    dims = channels + graph.output[0].type.tensor_type.shape.dim[1].dim_value
    for node in graph.node:  # the backbone now reads the photo and its mirror image as one batch
        for index, name in enumerate(node.input):
            if name == image:
                node.input[index] = "both"
    graph.initializer.extend([
        numpy_helper.from_array(np.array([-1], np.int64), "flip_starts"),
        numpy_helper.from_array(np.array([np.iinfo(np.int64).min], np.int64), "flip_ends"),
        numpy_helper.from_array(np.array([3], np.int64), "flip_axes"),
        numpy_helper.from_array(np.array([-1], np.int64), "flip_steps"),
        numpy_helper.from_array(np.array([2, -1, dims], np.int64), "views_shape"),
    ])
    pooled = [f"{name}_mean" for name in stage_outputs]
    nodes = [helper.make_node("Slice", [image, "flip_starts", "flip_ends", "flip_axes", "flip_steps"], ["mirrored"],
                              name="mirror"),
             helper.make_node("Concat", [image, "mirrored"], ["both"], axis=0, name="photo_and_mirror")]
    backbone_nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes + backbone_nodes)  # the mirror first, so the graph stays topologically sorted
    graph.node.extend([helper.make_node("ReduceMean", [name], [out], axes=[2, 3], keepdims=0, name=out)
                       for name, out in zip(stage_outputs, pooled)])
    graph.node.extend([
        helper.make_node("Concat", [*pooled, embedding], ["depths"], axis=1, name="depths"),
        helper.make_node("Reshape", ["depths", "views_shape"], ["views"], name="views"),
        helper.make_node("ReduceMean", ["views"], [OUTPUT], axes=[0], keepdims=0, name="mirror_mean"),
    ])
    batch = graph.input[0].type.tensor_type.shape.dim[0].dim_param or "batch"
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, [batch, dims]))
    model.doc_string = "hantei features: EfficientNet-Lite0 pooled at every stage, averaged with the mirror image"
    onnx.checker.check_model(model)
    return model


def path(backbone=BACKBONE):
    """The feature graph as a file (for onnxruntime sessions), made once per backbone in the temp folder."""
    digest = hashlib.sha256(Path(backbone).read_bytes()).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / f"hantei-features-v{VERSION}-{digest}.onnx"
    if not target.is_file():
        partial = target.with_suffix(f".{os.getpid()}.partial")
        onnx.save(feature_model(backbone), str(partial))
        os.replace(partial, target)  # atomic: a concurrent trainer sees a whole file or none
    return target
