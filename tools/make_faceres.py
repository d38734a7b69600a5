"""Make hantei/vision/weights/faceres.onnx from @vladmandic/human's FaceRes: a 1024-d face descriptor, age and gender.

npm `@vladmandic/human` (MIT) ships models/faceres.json + faceres.bin, a tfjs graph model that
Vladimir Mandic converted from HSE_FaceRec_tf (Andrey Savchenko, Apache-2.0): a MobileNet-style
network that takes a 224x224 RGB face on 0..255 (human's src/face/faceres.ts: the face crop on
0..1, tf.image.resizeBilinear to 224, times 255) and gives age as a softmax over 0..99 years,
gender (sigmoid: above 0.5 male) and the 1024-d global-pooling descriptor that human compares faces by.

tf2onnx converts tfjs graph models after two fixes made here, not in the package: numpy 2 removed
np.product (tf2onnx 1.17 still calls it: the alias is restored in this process), and TensorFlow
2.21 refuses _FusedMatMul nodes without a TArgs attribute (added, TArgs = [T] * num_args, to a
temporary copy of the JSON). The ONNX takes float32 `image` [N, 224, 224, 3] NHWC RGB on 0..255
and gives `age` [N, 100], `gender` [N, 1] and `descriptor` [N, 1024].

TensorFlow lives in a tool venv only (never in requirements*.txt); the pins this file was made with:

    python3 -m venv /tmp/tf && /tmp/tf/bin/pip install -r tools/requirements-convert.txt
    npm pack @vladmandic/human@3.3.6                      # vladmandic-human-3.3.6.tgz, read as a tar
    /tmp/tf/bin/python tools/make_faceres.py vladmandic-human-3.3.6.tgz
    /tmp/tf/bin/python tools/make_faceres.py --check vladmandic-human-3.3.6.tgz

Every build checks the ONNX against TensorFlow's own execution of the same tfjs graph (the
package's weights as constants) and, where node is installed, against human's own tfjs runtime
(tools/faceres_tfjs.mjs: the CPU backend bundled in dist/human.esm.js); --check also fails
unless the rebuilt file equals the shipped one byte for byte.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np
from onnx_names import canonical_names  # tools/onnx_names.py, beside this script

if not hasattr(np, "product"):
    np.product = np.prod  # tf2onnx 1.17's tfjs reader still calls np.product, which numpy 2 removed

WEIGHTS = Path(__file__).resolve().parent.parent / "hantei" / "vision" / "weights"
TARGET = WEIGHTS / "faceres.onnx"
LICENCE = WEIGHTS / "faceres.LICENSE"
TARBALL = "vladmandic-human-3.3.6.tgz"
TARBALL_SHA256 = "425e9c51dbbca0c8934362b170cb0d54c2529c11c654b3c03092b16e9d6ad3f7"
APACHE = Path("/usr/share/common-licenses/Apache-2.0")  # Debian's copy of the licence text (base-files)
OUTPUTS = {"age_pred/Softmax:0": "age", "gender_pred/Sigmoid:0": "gender", "global_pooling/Mean": "descriptor"}
WIDTHS = {"age": 100, "gender": 1, "descriptor": 1024}
OPSET = 13
SIDE = 224


def unpack(tarball, folder):
    """models/faceres.json (with TArgs added to fused nodes) and faceres.bin from the npm tarball, into folder."""
    with tarfile.open(tarball) as archive:
        model = json.load(archive.extractfile("package/models/faceres.json"))
        (folder / "faceres.bin").write_bytes(archive.extractfile("package/models/faceres.bin").read())
    for node in model["modelTopology"]["node"]:
        if node["op"] in ("_FusedConv2D", "_FusedMatMul") and "TArgs" not in node["attr"]:
            count = int(node["attr"]["num_args"]["i"])
            node["attr"]["TArgs"] = {"list": {"type": [node["attr"]["T"]["type"]] * count}}
    (folder / "faceres.json").write_text(json.dumps(model))
    return folder / "faceres.json"


def convert(model_json):
    """The ONNX model as tf2onnx makes it from the tfjs graph, then made stable (names, order, no run records)."""
    import onnx
    from tf2onnx import convert as tf2onnx_convert

    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "faceres.onnx"
        argv = sys.argv
        sys.argv = ["tf2onnx.convert", "--tfjs", str(model_json), "--output", str(output), "--opset", str(OPSET)]
        try:
            tf2onnx_convert.main()
        finally:
            sys.argv = argv
        proto = onnx.load(output)
    return stable(proto, onnx)


def stable(proto, onnx):
    """Plain input and output names with a symbolic batch, constants numbered in order of use, no run records."""
    graph = proto.graph
    renames = {graph.input[0].name: "image"}
    for value in graph.output:
        renames[value.name] = OUTPUTS[value.name]
    for node in graph.node:
        node.input[:] = [renames.get(name, name) for name in node.input]
        node.output[:] = [renames.get(name, name) for name in node.output]
    for value in [graph.input[0], *graph.output]:
        value.name = renames[value.name]
        dims = value.type.tensor_type.shape.dim
        dims[0].Clear()
        dims[0].dim_param = "N"
        if value.name in WIDTHS:
            dims[1].dim_value = WIDTHS[value.name]
    outputs = sorted(graph.output, key=lambda value: list(WIDTHS).index(value.name))
    del graph.output[:]
    graph.output.extend(outputs)
    canonical_names(graph)
    graph.name = "hse_faceres"
    graph.doc_string = ""
    proto.doc_string = ""
    proto.producer_name = "hantei tools/make_faceres.py"
    proto.producer_version = "1"
    del proto.metadata_props[:]
    proto.metadata_props.add(key="source", value=f"npm @vladmandic/human 3.3.6, models/faceres.json + .bin ({TARBALL})")
    onnx.checker.check_model(proto, full_check=True)
    return proto.SerializeToString(deterministic=True)


def read_weights(manifest, data):
    """(name, array) for each weight of a tfjs manifest, read here by tfjs' format rather than by tf2onnx's reader."""
    offset = 0
    for weight in manifest:
        stored = np.dtype(weight.get("quantization", {}).get("dtype", weight["dtype"]))
        count = int(np.prod(weight["shape"], dtype=np.int64))
        array = np.frombuffer(data, dtype=stored, count=count, offset=offset)
        offset += array.nbytes
        quantization = weight.get("quantization", {})
        if "scale" in quantization:
            array = array * np.float32(quantization["scale"]) + np.float32(quantization["min"])
        yield weight["name"], array.astype(weight["dtype"]).reshape(weight["shape"])
    if offset != len(data):
        raise ValueError(f"the manifest reads {offset} bytes of a {len(data)}-byte weights file")


def tensorflow_graph(model_json):
    """TensorFlow's own runnable graph of the tfjs model: its nodes as NodeDefs, the package's weights as constants."""
    import tensorflow as tf
    from tf2onnx import tfjs_utils

    model = json.loads(model_json.read_text())
    data = (model_json.parent / "faceres.bin").read_bytes()
    weights = dict(read_weights(model["weightsManifest"][0]["weights"], data))
    graph_def = tf.compat.v1.GraphDef()
    for node in model["modelTopology"]["node"]:
        node_def = tfjs_utils.tfjs_node_to_tf_node_def(node)
        if node["op"] == "Const":
            value = weights[node["name"]]
            node_def.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(value))
            node_def.attr["dtype"].type = tf.as_dtype(value.dtype).as_datatype_enum
        graph_def.node.append(node_def)
    return graph_def


def parity(model_json, onnx_bytes, count=8, seed=0):
    """Largest difference per output between TensorFlow running the tfjs graph and onnxruntime running the ONNX."""
    import onnxruntime
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    images = (rng.random((count, SIDE, SIDE, 3)) * 255).astype(np.float32)
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(tensorflow_graph(model_json), name="")
    with tf.compat.v1.Session(graph=graph) as tf_session:
        expected = tf_session.run([n if ":" in n else f"{n}:0" for n in OUTPUTS], {"input_1:0": images})
    session = onnxruntime.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    actual = session.run(list(OUTPUTS.values()), {"image": images})
    return {name: float(np.abs(a - e).max()) for name, a, e in zip(OUTPUTS.values(), actual, expected)}


def tfjs_parity(tarball, folder, onnx_bytes, count=4, seed=1):
    """Largest difference per output between human's own tfjs (tools/faceres_tfjs.mjs under node) and the ONNX."""
    import onnxruntime

    package = folder / "package"
    with tarfile.open(tarball) as archive:
        for name in ("dist/human.esm.js", "models/faceres.json", "models/faceres.bin"):
            (package / name).parent.mkdir(parents=True, exist_ok=True)
            (package / name).write_bytes(archive.extractfile(f"package/{name}").read())
    images = (np.random.default_rng(seed).random((count, SIDE, SIDE, 3)) * 255).astype(np.float32)
    images.tofile(folder / "images.f32")
    script = Path(__file__).resolve().parent / "faceres_tfjs.mjs"
    subprocess.run(["node", str(script), str(package), str(folder / "images.f32"), str(folder / "tfjs.f32")],
                   check=True, capture_output=True)
    expected = np.fromfile(folder / "tfjs.f32", dtype=np.float32).reshape(count, -1)
    session = onnxruntime.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    actual = np.concatenate(session.run(None, {"image": images}), axis=1)
    edges = np.cumsum([0, *WIDTHS.values()])
    spans = zip(WIDTHS, edges, edges[1:])
    return {name: float(np.abs(actual[:, a:b] - expected[:, a:b]).max()) for name, a, b in spans}


def licence():
    """faceres.LICENSE: where the weights come from, then the Apache License 2.0 text they are under."""
    return (f"hantei/vision/weights/faceres.onnx is models/faceres.json + models/faceres.bin from the npm package\n"
            f"@vladmandic/human 3.3.6 ({TARBALL}, SHA-256 {TARBALL_SHA256}; the package is MIT,\n"
            f"Copyright (c) Vladimir Mandic), converted to ONNX by tools/make_faceres.py. Those files are\n"
            f"Vladimir Mandic's tfjs conversion of the face recognition model of HSE_FaceRec_tf\n"
            f"(https://github.com/HSE-asavchenko/HSE_FaceRec_tf, Andrey V. Savchenko), which is distributed\n"
            f"under the Apache License, Version 2.0, below.\n\n{APACHE.read_text(encoding='utf-8')}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tarball", type=Path, help=f"{TARBALL} from `npm pack @vladmandic/human@3.3.6`")
    parser.add_argument("--check", action="store_true", help="rebuild into a temp file, compare with the shipped one")
    args = parser.parse_args()
    digest = hashlib.sha256(args.tarball.read_bytes()).hexdigest()
    if digest != TARBALL_SHA256:
        sys.exit(f"{args.tarball}: SHA-256 {digest}, expected {TARBALL_SHA256} ({TARBALL})")
    with tempfile.TemporaryDirectory() as folder:
        model_json = unpack(args.tarball, Path(folder))
        onnx_bytes = convert(model_json)
        differences = parity(model_json, onnx_bytes)
        print("max |onnx - tensorflow| on 8 random images:", ", ".join(f"{k} {v:.2e}" for k, v in differences.items()))
        if max(differences.values()) > 1e-4:
            sys.exit("the ONNX model does not give TensorFlow's outputs")
        if shutil.which("node"):
            differences = tfjs_parity(args.tarball, Path(folder), onnx_bytes)
            print("max |onnx - human's tfjs| on 4 random images:",
                  ", ".join(f"{k} {v:.2e}" for k, v in differences.items()))
            if max(differences.values()) > 1e-4:
                sys.exit("the ONNX model does not give human's own tfjs outputs")
        else:
            print("node not found: parity with human's own tfjs runtime not checked")
    licence_text = licence()
    if args.check:
        same = TARGET.read_bytes() == onnx_bytes
        same_licence = LICENCE.read_text(encoding="utf-8") == licence_text
        print(f"{TARGET}: {'identical' if same else 'DIFFERS'} (sha256 {hashlib.sha256(onnx_bytes).hexdigest()})")
        print(f"{LICENCE}: {'identical' if same_licence else 'DIFFERS'}")
        sys.exit(0 if same and same_licence else 1)
    TARGET.write_bytes(onnx_bytes)
    LICENCE.write_text(licence_text, encoding="utf-8")
    print(f"wrote {TARGET} ({len(onnx_bytes)} bytes, sha256 {hashlib.sha256(onnx_bytes).hexdigest()}) and {LICENCE}")


if __name__ == "__main__":
    main()
