"""Classifiers: pixels -> one score per label, preprocessed exactly as the model's manifest says it was trained."""

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from . import runtime

FILTERS = {
    "nearest": Image.Resampling.NEAREST,
    "box": Image.Resampling.BOX,
    "bilinear": Image.Resampling.BILINEAR,
    "hamming": Image.Resampling.HAMMING,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
}
FITS = ("stretch", "letterbox", "center-crop", "shorter-side")
LAYOUTS = ("NCHW", "NHWC")
COLORS = ("RGB", "BGR")
ACTIVATIONS = ("none", "sigmoid", "softmax")
DTYPES = {"float32": "tensor(float)", "float16": "tensor(float16)", "uint8": "tensor(uint8)"}
MAX_SIDE = 4096  # a model input side beyond any real classifier's (a bigger one would only take memory)
INPUT_KEYS = ("size", "layout", "color", "resample", "fit", "shorter_side", "pad", "scale", "mean", "std", "dtype")


class SignatureError(ValueError):
    """A manifest setting that the model (or the manifest itself) contradicts: the field and what was expected."""

    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field


def refuse_unknown(section, keys, where):
    """Refuse keys a section does not have, so that a typo never falls back to a default silently."""
    unknown = sorted(set(section) - set(keys))
    if unknown:
        raise SignatureError(f"{where} {unknown[0]}", f"is not a setting; expected one of {', '.join(keys)}")


def _choice(section, key, choices, default, where):
    value = section.get(key, default)
    if value not in choices:
        raise SignatureError(f"{where} {key}", f"{value!r} is not one of {', '.join(map(repr, choices))}")
    return value


def _triple(section, key, default, where):
    value = section.get(key, default)
    if isinstance(value, (int, float)):
        value = [value] * 3
    if not (isinstance(value, list) and len(value) == 3 and all(_finite(v) for v in value)):
        raise SignatureError(f"{where} {key}",
                             f"{value!r} should be one finite number or three, e.g. {key} = [0, 0, 0]")
    return tuple(float(v) for v in value)


def _finite(value):
    """Whether a manifest value is a real, finite number (NaN and infinity would poison every score)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Preprocess:
    """How pixels become the model's input tensor: size, fit, filter, colour order, scaling, layout, dtype."""

    size: tuple = (224, 224)
    layout: str = "NCHW"
    color: str = "RGB"
    resample: str = "bilinear"
    fit: str = "stretch"
    shorter_side: int = 0  # for fit = "shorter-side": resize the short side to this, then crop size
    pad: tuple = (0, 0, 0)
    scale: float = 1 / 255
    mean: tuple = (0.0, 0.0, 0.0)
    std: tuple = (1.0, 1.0, 1.0)
    dtype: str = "float32"

    @classmethod
    def from_manifest(cls, section):
        """Read [model.input]; raise SignatureError naming the field when a value makes no sense."""
        where = "[model.input]"
        refuse_unknown(section, INPUT_KEYS, where)
        size = section.get("size", [224, 224])
        if isinstance(size, int):
            size = [size, size]
        sides_ok = isinstance(size, list) and len(size) == 2
        sides_ok = sides_ok and all(isinstance(v, int) and 0 < v <= MAX_SIDE for v in size)
        if not sides_ok:
            raise SignatureError(f"{where} size", f"{size!r} should be [width, height] in pixels, at most {MAX_SIDE}")
        scale = section.get("scale", 1 / 255)
        if not _finite(scale) or scale <= 0:
            raise SignatureError(f"{where} scale", f"{scale!r} should be a finite number above 0")
        std = _triple(section, "std", 1, where)
        if 0 in std:
            raise SignatureError(f"{where} std", "must not contain 0")
        fit = _choice(section, "fit", FITS, "stretch", where)
        shorter_side = int(section.get("shorter_side", round(min(size) / 0.875)))
        if fit == "shorter-side" and not min(size) <= shorter_side <= MAX_SIDE:
            raise SignatureError(f"{where} shorter_side", f"{shorter_side} should lie from the crop {min(size)} "
                                 f"to {MAX_SIDE}")
        return cls(
            size=tuple(size),
            layout=_choice(section, "layout", LAYOUTS, "NCHW", where),
            color=_choice(section, "color", COLORS, "RGB", where),
            resample=_choice(section, "resample", tuple(FILTERS), "bilinear", where),
            fit=fit,
            shorter_side=shorter_side,
            pad=_triple(section, "pad", 0, where),
            scale=float(scale),
            mean=_triple(section, "mean", 0, where),
            std=std,
            dtype=_choice(section, "dtype", tuple(DTYPES), "float32", where),
        )

    def shape(self, batch=1):
        width, height = self.size
        return [batch, 3, height, width] if self.layout == "NCHW" else [batch, height, width, 3]

    def fitted(self, image):
        """Resize (and crop or pad) to the input size, in the image's own mode, then convert to RGB.

        The conversion comes after the resize, as in reference scripts that call
        image.resize(...).convert("RGB"): for palette, RGBA and CMYK photos the order changes
        the pixels (Pillow resizes palette images with nearest neighbour, for one).
        """
        width, height = self.size
        filter_ = FILTERS[self.resample]
        if self.fit == "stretch":
            return image.resize((width, height), filter_).convert("RGB")
        source_w, source_h = image.size
        if self.fit == "letterbox":
            scale = min(width / source_w, height / source_h)
            inner = (max(1, round(source_w * scale)), max(1, round(source_h * scale)))
            canvas = Image.new("RGB", (width, height), tuple(int(v) for v in self.pad))
            corner = ((width - inner[0]) // 2, (height - inner[1]) // 2)
            canvas.paste(image.resize(inner, filter_).convert("RGB"), corner)
            return canvas
        if self.fit == "center-crop":
            scale = max(width / source_w, height / source_h)
            crop_w, crop_h = min(source_w, width / scale), min(source_h, height / scale)  # 107 / (64 / 107) > 107
            box = ((source_w - crop_w) / 2, (source_h - crop_h) / 2, (source_w + crop_w) / 2, (source_h + crop_h) / 2)
            return image.resize((width, height), filter_, box=box).convert("RGB")
        scale = self.shorter_side / min(source_w, source_h)
        resized = image.resize((max(width, round(source_w * scale)), max(height, round(source_h * scale))), filter_)
        left, top = (resized.width - width) // 2, (resized.height - height) // 2
        return resized.crop((left, top, left + width, top + height)).convert("RGB")

    def tensor(self, image):
        """The model input for one image (batch of one), computed in float64 and cast once at the end."""
        return self.array(self.fitted(image))

    def array(self, fitted):
        """The model input (batch of one) for an image already fitted to the input size."""
        pixels = np.asarray(fitted)
        if self.color == "BGR":
            pixels = pixels[:, :, ::-1]
        if self.dtype == "uint8":
            values = pixels
        else:
            values = (pixels.astype(np.float64) * self.scale - np.array(self.mean)) / np.array(self.std)
            values = values.astype(self.dtype)
        if self.layout == "NCHW":
            values = values.transpose(2, 0, 1)
        return np.ascontiguousarray(values[None])


@dataclass(frozen=True)
class Output:
    """How the model's output becomes scores: which activation to apply and what each number means."""

    labels: tuple
    activation: str = "none"

    @classmethod
    def from_manifest(cls, section):
        where = "[model.output]"
        refuse_unknown(section, ("labels", "activation"), where)
        labels = section.get("labels")
        if not (isinstance(labels, list) and labels and all(isinstance(v, str) and v for v in labels)):
            raise SignatureError(f"{where} labels", "should list one name per model output, e.g. labels = [\"nsfw\"]")
        if len(set(labels)) != len(labels):
            raise SignatureError(f"{where} labels", "names must differ from each other")
        return cls(labels=tuple(labels), activation=_choice(section, "activation", ACTIVATIONS, "none", where))

    def scores(self, raw):
        raw = np.asarray(raw, dtype=np.float64).reshape(-1)
        if self.activation == "sigmoid":
            return 1 / (1 + np.exp(-raw))
        if self.activation == "softmax":
            shifted = np.exp(raw - raw.max())
            return shifted / shifted.sum()
        return raw


def _dims(shape):
    """Static dims as ints, symbolic ones as None."""
    return [d if isinstance(d, int) else None for d in shape]


class Classifier(runtime.OnnxModel):
    """One ONNX classifier with its preprocessing; classify() gives a score per label."""

    def __init__(self, path, preprocess, output, exact=False):
        self.path = path
        self.preprocess = preprocess
        self.output = output
        self.exact = exact

    @property
    def labels(self):
        return self.output.labels

    def check(self):
        """Open the model (this process's session) and compare its real signature with the manifest."""
        if not self.path.is_file():
            raise SignatureError("[model] path", f"{self.path} does not exist")
        try:
            session = runtime.session(self.path)
        except Exception as error:  # onnxruntime raises its own exception types for unreadable files
            raise SignatureError("[model] path",
                                 f"{self.path} is not an ONNX model onnxruntime can load: {error}") from None
        inputs, outputs = session.get_inputs(), session.get_outputs()
        if len(inputs) != 1:
            names = ", ".join(i.name for i in inputs)
            raise SignatureError("[model] path", f"the model takes {len(inputs)} inputs ({names}); expected one image")
        model_input = inputs[0]
        expected = self.preprocess.shape()
        actual = _dims(model_input.shape)
        if len(actual) != 4 or any(a is not None and a != e for a, e in zip(actual[1:], expected[1:])):
            raise SignatureError(
                "[model.input]",
                f"the model's input {model_input.name!r} has shape {model_input.shape} but size = "
                f"{list(self.preprocess.size)}, layout = {self.preprocess.layout!r} give {expected}",
            )
        if actual[0] not in (None, 1):
            raise SignatureError("[model.input]", f"the model's batch size is {actual[0]}; expected 1 or symbolic")
        if model_input.type != DTYPES[self.preprocess.dtype]:
            wanted = next((name for name, onnx in DTYPES.items() if onnx == model_input.type), model_input.type)
            raise SignatureError(
                "[model.input] dtype", f"is {self.preprocess.dtype!r} but the model takes {wanted!r}"
            )
        dims = _dims(outputs[0].shape)[1:]
        if all(d is not None for d in dims) and int(np.prod(dims)) != len(self.labels):
            raise SignatureError(
                "[model.output] labels",
                f"names {len(self.labels)} labels but the model's output {outputs[0].name!r} "
                f"of shape {outputs[0].shape} gives {int(np.prod(dims))} numbers",
            )

    def classify(self, image):
        """Scores for one image ({label: score}); exact judges pass the oriented source in its own mode."""
        return self.classify_many([image])[0]

    def classify_many(self, images):
        """Scores for several images (the crops of a photo's faces) in one run of the model when its batch size is
        symbolic, else one run each."""
        if not images:
            return []
        session = runtime.session(self.path)
        model_input = session.get_inputs()[0]
        tensors = [self.preprocess.tensor(image) for image in images]
        if _dims(model_input.shape)[0] is None:
            raws = session.run(None, {model_input.name: np.concatenate(tensors)})[0]
        else:
            raws = np.concatenate([session.run(None, {model_input.name: tensor})[0] for tensor in tensors])
        return [dict(zip(self.labels, (float(v) for v in self.output.scores(raw)))) for raw in raws]
