"""The features trained judges learn from: the backbone at every stage, mirror-averaged, in one ONNX graph."""

import numpy as np
import onnx

from hantei.vision import embedder, features, runtime
from tests.photos import rgb


def test_the_last_1280_features_are_the_backbone_embedding_averaged_with_the_mirror_image():
    batch = embedder.preprocess([rgb("chelsea"), rgb("coffee")])
    got = runtime.session(features.path()).run(None, {"image": batch})[0]
    backbone = runtime.session(embedder.BACKBONE)
    expected = (backbone.run(None, {"image": batch})[0] + backbone.run(None, {"image": batch[..., ::-1].copy()})[0]) / 2
    assert got.shape == (2, 2064) and got.dtype == np.float32
    assert np.abs(got[:, -1280:] - expected).max() < 1e-5


def test_a_photo_and_its_mirror_image_get_the_same_features_alone_or_in_a_batch():
    batch = embedder.preprocess([rgb("astronaut"), rgb("rocket")])
    session = runtime.session(features.path())
    both = session.run(None, {"image": batch})[0]
    mirrored = session.run(None, {"image": batch[..., ::-1].copy()})[0]
    alone = session.run(None, {"image": batch[1:]})[0]
    assert np.abs(both - mirrored).max() < 1e-5 and np.abs(both[1:] - alone).max() < 1e-5


def test_the_stages_tapped_are_one_per_resolution_and_width_of_efficientnet_lite0():
    taps, channels = features.taps(onnx.load(str(embedder.BACKBONE)))
    assert len(taps) == 7 and channels == 16 + 24 + 40 + 80 + 112 + 192 + 320


def test_the_graph_file_is_made_once_and_is_the_graph():
    first = features.path()
    assert features.path() == first and onnx.load(str(first)).graph.output[0].name == features.OUTPUT
