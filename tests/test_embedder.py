"""The run-time embedder (onnxruntime + numpy) gives what torch gave when tools/make_backbone.py made the backbone."""

import numpy as np
import pytest
from PIL import Image

from hantei.vision import embedder, runtime
from hantei.vision.embedder import Embedder
from tests.photos import rgb

RECORDED = np.load("tests/data/backbone_embeddings.npz")


def test_embeddings_equal_the_torch_network_on_real_photos():
    names = [str(name) for name in RECORDED["names"]]
    got = Embedder(batch=2).embed([rgb(name) for name in names])  # two batches: one of 2, one of 1
    assert got.shape == (len(names), 1280) and got.dtype == np.float32
    assert np.abs(got - RECORDED["embeddings"]).max() < 1e-4


def test_different_photos_give_different_embeddings_and_one_photo_always_the_same():
    cat, coffee = Embedder().embed([rgb("chelsea"), rgb("coffee")])
    again = Embedder(batch=1).embed([rgb("chelsea")])[0]
    assert np.array_equal(np.round(cat, 5), np.round(again, 5))
    cosine = cat @ coffee / np.linalg.norm(cat) / np.linalg.norm(coffee)
    assert cosine < 0.9


def test_the_backbone_takes_any_batch_of_224_squares_and_gives_1280_numbers():
    session = runtime.session(embedder.BACKBONE)
    (image,), (embedding,) = session.get_inputs(), session.get_outputs()
    assert image.name == "image" and image.shape[1:] == [3, 224, 224] and isinstance(image.shape[0], str)
    assert embedding.shape[1:] == [1280]


@pytest.mark.parametrize("size", [(451, 300), (300, 451), (224, 224), (100, 60)])
def test_fitted_keeps_the_middle_square_of_the_shorter_side(size):
    width, height = size
    image = Image.new("RGB", size, (0, 0, 0))
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    image.paste((255, 255, 255), (left, top, left + side, top + side))  # white centred square
    square = np.asarray(embedder.fitted(image))
    assert square.shape == (224, 224, 3)
    assert square[8:-8, 8:-8].min() >= 250  # only the white square is kept (bicubic rings at most at its edge)


def test_preprocess_scales_as_tf_lite_did():
    batch = embedder.preprocess([Image.new("L", (300, 300), 255), Image.new("RGBA", (300, 300), (127, 0, 0, 255))])
    assert batch.shape == (2, 3, 224, 224) and batch.dtype == np.float32
    assert batch[0].min() == batch[0].max() == pytest.approx(128 / 128)
    assert batch[1, 0].max() == 0 and batch[1, 1].max() == pytest.approx(-127 / 128)


@pytest.mark.parametrize("mode", ["RGB", "L", "CMYK", "P"])
def test_a_trained_judge_sees_at_serving_the_very_tensor_it_was_trained_on(mode):
    """Training and serving share one preprocessing: the shipped kinds judge (written by flask train), read as a
    worker reads it, gives the tensor the embedder trains on, bit for bit, whatever the photo's mode."""
    from hantei.judges import open_judge

    served = open_judge("models/kinds").classifier.preprocess
    photo = rgb("astronaut").resize((300, 220))
    photo = photo.convert(mode) if mode != "P" else photo.quantize(64)
    trained = embedder.tensor(embedder.fitted(photo))[None]
    assert trained.dtype == served.tensor(photo).dtype and np.array_equal(trained, served.tensor(photo))
