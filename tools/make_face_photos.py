"""Make tests/faces: real sample photos (and composites of them) with hand-marked face boxes in faces.json.

The photos come from packages' sample data (scikit-image, matplotlib, scikit-learn: public
domain or free to use, see tests/faces/SOURCES.md). The face boxes of the three portraits
were marked by hand (forehead to chin, ear to ear); composites move and scale those boxes
with the photos, so that the truth never comes from a detector. Run once:

    python tools/make_face_photos.py
"""

import json
from pathlib import Path

import matplotlib
import numpy as np
import skimage
from PIL import Image, ImageOps
from sklearn.datasets import load_sample_images

TARGET = Path(__file__).resolve().parent.parent / "tests" / "faces"
SKIMAGE = Path(skimage.__file__).parent / "data"

# Hand-marked [x, y, w, h] of each face in the original sample photo.
PORTRAITS = {
    "astronaut": (SKIMAGE / "astronaut.png", [178, 62, 92, 110]),
    "camera": (SKIMAGE / "camera.png", [185, 100, 75, 95]),
    "grace_hopper": (Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg", [170, 140, 190, 195]),
}
NOBODY = ["coffee", "chelsea", "rocket", "motorcycle_left", "brick", "grass", "gravel", "hubble_deep_field"]


def portrait(name, height=None, mirror=False):
    """A portrait as RGB (optionally scaled to a height and mirrored) and its face box moved to match."""
    path, (x, y, w, h) = PORTRAITS[name]
    image = Image.open(path).convert("RGB")
    if mirror:
        image = ImageOps.mirror(image)
        x = image.width - x - w
    scale = 1.0 if height is None else height / image.height
    if height is not None:
        image = image.resize((round(image.width * scale), height), Image.Resampling.LANCZOS)
    return image, [round(x * scale), round(y * scale), round(w * scale), round(h * scale)]


def row(tiles):
    """Tiles side by side; their boxes shifted along."""
    canvas = Image.new("RGB", (sum(t[0].width for t in tiles), max(t[0].height for t in tiles)), (255, 255, 255))
    boxes, left = [], 0
    for image, box in tiles:
        canvas.paste(image, (left, 0))
        boxes.append([box[0] + left, box[1], box[2], box[3]])
        left += image.width
    return canvas, boxes


def stack(rows):
    canvas = Image.new("RGB", (max(r[0].width for r in rows), sum(r[0].height for r in rows)), (255, 255, 255))
    boxes, top = [], 0
    for image, row_boxes in rows:
        canvas.paste(image, (0, top))
        boxes += [[x, y + top, w, h] for x, y, w, h in row_boxes]
        top += image.height
    return canvas, boxes


def tilted(name, degrees):
    """A portrait turned in the picture plane (a tilted selfie); the box is the turned box's bounding box."""
    image, (x, y, w, h) = portrait(name)
    turned = image.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(255, 255, 255))
    angle = np.radians(degrees)
    centre = np.array([image.width / 2, image.height / 2])
    corners = np.array([[x, y], [x + w, y], [x, y + h], [x + w, y + h]], dtype=float) - centre
    rotation = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    moved = corners @ rotation.T + np.array([turned.width / 2, turned.height / 2])
    (x1, y1), (x2, y2) = moved.min(axis=0), moved.max(axis=0)
    return turned, [round(x1), round(y1), round(x2 - x1), round(y2 - y1)]


def in_scene(name, scene, width, where):
    """A small portrait pasted into a landscape photo: a far-away face."""
    image, (x, y, w, h) = portrait(name)
    scale = width / image.width
    image = image.resize((width, round(image.height * scale)), Image.Resampling.LANCZOS)
    scene = scene.copy()
    scene.paste(image, where)
    return scene, [[round(x * scale) + where[0], round(y * scale) + where[1], round(w * scale), round(h * scale)]]


def main():
    china, flower = (Image.fromarray(array) for array in load_sample_images().images)
    photos = {}
    for name in PORTRAITS:
        image, box = portrait(name)
        photos[name] = (image, [box])
    photos["group_of_three"] = row([portrait("astronaut", 400), portrait("camera", 400), portrait("grace_hopper", 400)])
    photos["group_of_six"] = stack([
        row([portrait("astronaut", 220), portrait("camera", 220), portrait("grace_hopper", 220)]),
        row([portrait("grace_hopper", 220, True), portrait("astronaut", 220, True), portrait("camera", 220, True)]),
    ])
    image, box = tilted("astronaut", 25)
    photos["astronaut_tilted"] = (image, [box])
    image, box = tilted("grace_hopper", -20)
    photos["grace_hopper_tilted"] = (image, [box])
    photos["far_away_in_china"] = in_scene("astronaut", china, 150, (440, 230))
    photos["china"] = (china, [])
    photos["flower"] = (flower, [])
    for name in NOBODY:
        path = next(SKIMAGE.glob(f"{name}.*"))
        photos[name] = (Image.open(path).convert("RGB"), [])
    TARGET.mkdir(parents=True, exist_ok=True)
    truth = {}
    for name, (image, boxes) in sorted(photos.items()):
        image.save(TARGET / f"{name}.jpg", quality=88)
        truth[f"{name}.jpg"] = boxes
    (TARGET / "faces.json").write_text(json.dumps(truth, indent=1) + "\n")
    print(f"{len(truth)} photos, {sum(map(len, truth.values()))} faces in {TARGET}")


if __name__ == "__main__":
    main()
