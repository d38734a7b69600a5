"""Make hantei's age model from the npm package @vladmandic/face-api: its TinyXception age net as ONNX.

The package ships weights and their manifest (model/age_gender_model-weights_manifest.json and
.bin, uint8-affine quantised), not a graph. This script rebuilds the graph from the package's own
source (src/xception/TinyXception.ts, src/ageGenderNet/AgeGenderNet.ts) with onnx.helper, keeps
the age head and drops the gender head (hantei never shows gender), and writes the same bytes
every time (fixed producer, no timestamps):

    cd /tmp && npm pack @vladmandic/face-api@1.7.15
    python tools/make_age.py /tmp/vladmandic-face-api-1.7.15.tgz            # writes models/age/
    python tools/make_age.py /tmp/vladmandic-face-api-1.7.15.tgz --check    # rebuilds, compares bytes
    python tools/make_age.py /tmp/vladmandic-face-api-1.7.15.tgz --parity   # against the package's tfjs

Input: float32 [N, 112, 112, 3] NHWC RGB, `(pixel - [122.782, 117.001, 104.298]) / 255`, as
face-api's TinyXception normalises (hantei's Preprocess does this with scale 1, std 255).
Output `age`: [N, 1], years. --parity needs node and onnxruntime; it runs tools/age_parity.mjs.
"""

import argparse
import hashlib
import json
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "models" / "age"
PACKAGE, VERSION = "@vladmandic/face-api", "1.7.15"
TARBALL_SHA256 = "0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031"
MANIFEST = "package/model/age_gender_model-weights_manifest.json"
SIZE = 112
MEAN_RGB = (122.782, 117.001, 104.298)  # TinyXception.forwardInput: normalize(x, meanRgb).div(255)
OPSET, IR_VERSION = 17, 8  # fixed, so that a newer onnx writes the same bytes
NUM_MAIN_BLOCKS = 2  # AgeGenderNet's default TinyXception(2)


def read_package(tarball):
    """The tarball's weight manifest, weight bytes, licence text and version, checked against the pin."""
    data = Path(tarball).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    with tarfile.open(tarball) as archive:
        def member(name):
            return archive.extractfile(name).read()

        version = json.loads(member("package/package.json"))["version"]
        manifest = json.loads(member(MANIFEST))
        (group,) = manifest
        weights = b"".join(member(f"package/model/{path}") for path in group["paths"])
        licence = member("package/LICENSE").decode("utf-8")
    if version != VERSION or digest != TARBALL_SHA256:
        sys.exit(f"{tarball}: {PACKAGE} {version} (sha256 {digest}); this script is pinned to "
                 f"{VERSION} ({TARBALL_SHA256}): update the pin and re-measure the model card first")
    return group["weights"], weights, licence, digest


def dequantised(specs, data):
    """{name: float32 array} in tfjs's own order and arithmetic: v = q * scale + min in doubles, stored as float32."""
    arrays, offset = {}, 0
    for spec in specs:
        count = int(np.prod(spec["shape"], dtype=np.int64))
        quant = spec.get("quantization")
        if quant is None:
            if spec["dtype"] != "float32":
                raise ValueError(f"{spec['name']}: unexpected dtype {spec['dtype']}")
            values = np.frombuffer(data, "<f4", count, offset)
            offset += 4 * count
        else:
            if quant["dtype"] != "uint8" or "scale" not in quant or "min" not in quant:
                raise ValueError(f"{spec['name']}: unexpected quantization {quant}")
            codes = np.frombuffer(data, np.uint8, count, offset)
            offset += count
            values = (codes.astype(np.float64) * quant["scale"] + quant["min"]).astype(np.float32)
        arrays[spec["name"]] = values.reshape(spec["shape"])
    if offset != len(data):
        raise ValueError(f"the manifest accounts for {offset} bytes of {len(data)}")
    return arrays


def same_pads(size, kernel, stride):
    """TensorFlow's 'same' padding for one spatial side: ONNX [begin, end] (the odd pixel goes at the end)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, [total // 2, total - total // 2]


class Builder:
    """Nodes and initialisers of an NCHW graph built from tfjs weights, with their spatial size tracked."""

    def __init__(self, weights):
        self.weights = weights
        self.nodes, self.initializers, self.used = [], [], set()

    def constant(self, name, array):
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    def weight(self, name, perm=None):
        self.used.add(name)
        array = self.weights[name]
        return self.constant(name, array if perm is None else array.transpose(perm))

    def node(self, op, inputs, name, **attrs):
        self.nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def conv(self, x, size, prefix, stride, weight, bias=None, group=1, perm=(3, 2, 0, 1)):
        """tf.conv2d(x, filters, stride, 'same') [+ bias]: filters [kh, kw, cin, cout] -> [cout, cin, kh, kw]."""
        kh, kw = self.weights[weight].shape[:2]
        out, pads = same_pads(size, kh, stride)
        inputs = [x, self.weight(weight, perm)] + ([self.weight(bias)] if bias else [])
        name = self.node("Conv", inputs, prefix, kernel_shape=[kh, kw], strides=[stride, stride],
                         pads=[pads[0], pads[0], pads[1], pads[1]], group=group)
        return name, out

    def separable(self, x, size, prefix):
        """tf.separableConv2d(..., [1, 1], 'same') + bias: a depthwise Conv (group = channels), then a 1x1 Conv."""
        channels = self.weights[f"{prefix}/depthwise_filter"].shape[2]
        depth, size = self.conv(x, size, f"{prefix}/depthwise", 1, f"{prefix}/depthwise_filter",
                                group=channels, perm=(2, 3, 0, 1))  # [kh, kw, C, 1] -> [C, 1, kh, kw]
        return self.conv(depth, size, f"{prefix}/pointwise", 1, f"{prefix}/pointwise_filter", f"{prefix}/bias")

    def relu(self, x, name):
        return self.node("Relu", [x], name)

    def add(self, a, b, name):
        return self.node("Add", [a, b], name)

    def reduction_block(self, x, size, prefix, activate_input=True):
        out = self.relu(x, f"{prefix}/relu_in") if activate_input else x
        out, _ = self.separable(out, size, f"{prefix}/separable_conv0")
        out, _ = self.separable(self.relu(out, f"{prefix}/relu0"), size, f"{prefix}/separable_conv1")
        pooled, pads = same_pads(size, 3, 2)
        out = self.node("MaxPool", [out], f"{prefix}/max_pool", kernel_shape=[3, 3], strides=[2, 2],
                        pads=[pads[0], pads[0], pads[1], pads[1]])
        shortcut, _ = self.conv(x, size, f"{prefix}/expansion_conv", 2, f"{prefix}/expansion_conv/filters",
                                f"{prefix}/expansion_conv/bias")
        return self.add(out, shortcut, f"{prefix}/add"), pooled

    def main_block(self, x, size, prefix):
        out = x
        for index in range(3):
            out, _ = self.separable(self.relu(out, f"{prefix}/relu{index}"), size, f"{prefix}/separable_conv{index}")
        return self.add(out, x, f"{prefix}/add"), size


def build(weights, digest):
    """The ONNX model: TinyXception(2) features, 7x7 average pool, the age head (AgeGenderNet.runNet)."""
    b = Builder(weights)
    x = b.node("Transpose", ["input"], "nchw", perm=[0, 3, 1, 2])
    x, size = b.conv(x, SIZE, "entry_flow/conv_in", 2, "entry_flow/conv_in/filters", "entry_flow/conv_in/bias")
    x = b.relu(x, "entry_flow/relu_in")
    x, size = b.reduction_block(x, size, "entry_flow/reduction_block_0", activate_input=False)
    x, size = b.reduction_block(x, size, "entry_flow/reduction_block_1")
    for index in range(NUM_MAIN_BLOCKS):
        x, size = b.main_block(x, size, f"middle_flow/main_block_{index}")
    x, size = b.reduction_block(x, size, "exit_flow/reduction_block")
    x, size = b.separable(x, size, "exit_flow/separable_conv")
    x = b.relu(x, "exit_flow/relu_out")
    assert size == 7, size
    x = b.node("AveragePool", [x], "avg_pool", kernel_shape=[7, 7], strides=[2, 2])  # tf.avgPool(x, 7, 2, 'valid')
    x = b.node("Flatten", [x], "pooled", axis=1)
    b.nodes.append(helper.make_node("Gemm", [x, b.weight("fc/age/weights"), b.weight("fc/age/bias")], ["age"],
                                    name="fc/age"))
    dropped = sorted(set(weights) - b.used)
    if dropped != ["fc/gender/bias", "fc/gender/weights"]:
        raise ValueError(f"weights left unused: {dropped}")
    graph = helper.make_graph(
        b.nodes, "face_api_age",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", SIZE, SIZE, 3])],
        [helper.make_tensor_value_info("age", TensorProto.FLOAT, ["N", 1])],
        b.initializers,
        doc_string="Age in years from a 112x112 RGB face, NHWC, (pixel - [122.782, 117.001, 104.298]) / 255.",
    )
    model = helper.make_model(
        graph, producer_name="hantei tools/make_age.py", producer_version="1",
        opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
        doc_string=f"face-api.js AgeGenderNet (age head only) from npm {PACKAGE}@{VERSION}, MIT",
    )
    helper.set_model_props(model, {"source": f"npm {PACKAGE}@{VERSION} (tarball sha256 {digest})",
                                   "license": "MIT"})
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


def licence_file(text):
    return (f"The age model (model.onnx) is made by tools/make_age.py from the weights in the npm package\n"
            f"{PACKAGE}@{VERSION} (model/age_gender_model.bin, face-api.js's age net); the package's LICENSE:\n\n"
            + text)


def outputs(tarball):
    """{file name: bytes} of everything the script writes to models/age/."""
    specs, data, licence, digest = read_package(tarball)
    return {"model.onnx": build(dequantised(specs, data), digest), "LICENSE": licence_file(licence).encode()}


def preprocess():
    """The hantei Preprocess this model's judge uses: face-api's own input, as models/age/judge.toml should say."""
    from hantei.vision.classifiers import Preprocess

    return Preprocess(size=(SIZE, SIZE), layout="NHWC", color="RGB", resample="bilinear", fit="letterbox",
                      pad=(0, 0, 0), scale=1.0, mean=MEAN_RGB, std=(255.0, 255.0, 255.0))


def package_faces(package_dir):
    """(photo name, upright photo as hantei keeps it, CenterFace box) of every face in the demo photos and portraits."""
    from hantei.intake import read_photo
    from hantei.vision.detectors import CenterFaceDetector
    from tests.photos import PEOPLE

    detector, found = CenterFaceDetector(), []
    paths = sorted((package_dir / "demo").glob("sample*.jpg")) + [PEOPLE[name] for name in sorted(PEOPLE)]
    for path in paths:
        image = read_photo(path.read_bytes()).image
        for region in sorted(detector.detect(image), key=lambda r: (r.box[0], r.box[1])):
            found.append((path.stem, image, region.box))
    return found


def tfjs_ages(package_dir, crops):
    """Ages from the package's own AgeGenderNet on its own tfjs (tools/age_parity.mjs), all crops in one batch."""
    import subprocess

    pixels = b"".join(np.asarray(crop.convert("RGB"), dtype="<f4").tobytes() for crop in crops)
    shapes = ",".join(f"{crop.height}x{crop.width}" for crop in crops)
    with tempfile.NamedTemporaryFile(suffix=".f32") as file:
        file.write(pixels)
        file.flush()
        run = subprocess.run(["node", str(ROOT / "tools" / "age_parity.mjs"), str(package_dir), file.name, shapes],
                             capture_output=True, text=True, check=True)
    return np.array(json.loads(run.stdout)["age"], dtype=np.float64)


def onnx_ages(tensors):
    """Ages from the shipped model.onnx with onnxruntime on one thread, all tensors in one batch."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(TARGET / "model.onnx"), options, providers=["CPUExecutionProvider"])
    return session.run(None, {"input": np.concatenate(tensors)})[0][:, 0].astype(np.float64)


def parity(tarball, margins):
    """Compare the shipped model with the package's tfjs on every face, at each margin; return the worst gap.

    Two comparisons per face: the graph (the same 112x112 crop, fitted by hantei's Preprocess, into
    both), and the whole input path (face-api's own pad-to-square and resizeBilinear on the widened
    crop, against hantei's Preprocess and the ONNX model).
    """
    sys.path.insert(0, str(ROOT))
    from hantei.vision.regions import widened

    prep, worst = preprocess(), 0.0
    with tempfile.TemporaryDirectory() as folder:
        with tarfile.open(tarball) as archive:
            archive.extractall(folder, filter="data")
        package_dir = Path(folder) / "package"
        faces = package_faces(package_dir)
        for margin in margins:
            crops = [image.crop(widened(box, margin, image.size)) for _, image, box in faces]
            fitted = [prep.fitted(crop) for crop in crops]
            graph_tfjs, graph_onnx = tfjs_ages(package_dir, fitted), onnx_ages([prep.array(f) for f in fitted])
            own_tfjs = tfjs_ages(package_dir, crops)
            gap = float(np.abs(graph_tfjs - graph_onnx).max())
            worst = max(worst, gap)
            print(f"margin {margin}: {len(faces)} faces; the graph, max |tfjs - onnxruntime| = {gap:.2e} years; "
                  f"the input path, max |face-api's own - hantei's| = {np.abs(own_tfjs - graph_onnx).max():.3f}")
            print("  photo         CenterFace box [x, y, w, h]   face-api's own input path | hantei's crop: "
                  "tfjs, onnxruntime")
            for (name, _, box), own, theirs, ours in zip(faces, own_tfjs, graph_tfjs, graph_onnx):
                print(f"  {name:13s} {[round(v) for v in box]!s:27s} {own:8.3f} | {theirs:9.4f} {ours:9.4f}")
    return worst


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tarball", type=Path, help=f"the .tgz from `npm pack {PACKAGE}@{VERSION}`")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="rebuild and compare with the shipped files, byte for byte")
    mode.add_argument("--parity", action="store_true", help="compare the shipped model with the package's tfjs")
    parser.add_argument("--margins", default="0.1", help="with --parity: the detect margins to try, e.g. 0,0.1,0.25")
    args = parser.parse_args()
    if args.parity:
        sys.exit(0 if parity(args.tarball, [float(m) for m in args.margins.split(",")]) < 1e-3 else 1)
    made = outputs(args.tarball)
    if args.check:
        different = [name for name, data in made.items()
                     if not (TARGET / name).is_file() or (TARGET / name).read_bytes() != data]
        if different:
            sys.exit(f"differs from the rebuild: {', '.join(different)}")
        print(f"models/age/{{{', '.join(made)}}} match the rebuild byte for byte")
        return
    TARGET.mkdir(parents=True, exist_ok=True)
    for name, data in made.items():
        (TARGET / name).write_bytes(data)
        print(f"wrote {TARGET / name} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
