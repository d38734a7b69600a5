"""A data doctor for a training folder: photos whose label looks wrong, near-duplicates across splits,
labels with too few photos, and a learning curve that says whether more photos would help."""

import numpy as np
from PIL import Image

from . import dataset, head, measures

CONFIDENT = 0.8  # a cross-validated score at least this sure of another label flags a photo
NEAR = 4  # perceptual hashes at most this many bits apart are near-duplicates
FEW = 10  # labels with fewer training photos than this are flagged
SHARES = (0.25, 0.5, 0.75, 1.0)
STILL_RISING = 0.02  # test accuracy gained from 50% to 100% of the photos that says "more would help"
FOLDS = 5


def dhash(image, size=8):
    """64-bit difference hash: is each pixel of a 9 x 8 greyscale thumbnail brighter than its right neighbour."""
    small = np.asarray(image.convert("L").resize((size + 1, size), Image.Resampling.LANCZOS), dtype=np.int16)
    bits = (small[:, 1:] > small[:, :-1]).ravel()
    return int("".join("1" if b else "0" for b in bits), 2)


def _centre_rows(split):
    return np.asarray(split.first_rows, dtype=np.int64)


def suspicious(data, embedded, penalty, root, folds=FOLDS):
    """Training and validation photos that a head trained without them scores confidently as another label."""
    splits = [s for s in ("train", "val") if s in embedded]
    x = np.concatenate([embedded[s].features[_centre_rows(embedded[s])] for s in splits])
    y = np.concatenate([embedded[s].labels[_centre_rows(embedded[s])] for s in splits])
    items = [item for s in splits for item in embedded[s].items]
    if min(np.bincount(y, minlength=len(data.labels))) < 2:
        return []
    scores = head.cross_validated(data.labels, x, y, np.ones(len(y)), np.arange(len(y)), min(folds, len(y)),
                                  penalties=(penalty,))[penalty]
    found = []
    for (path, k), row in zip(items, scores):
        best = int(np.argmax(row))
        if best != k and row[best] >= CONFIDENT:
            found.append({"photo": _shown(path, root), "folder": data.labels[k],
                          "looks_like": data.labels[best], "score": round(float(row[best]), 3)})
    return found


def duplicates(embedded, root, near=NEAR):
    """Pairs of photos in different splits whose perceptual hashes are at most `near` bits apart (leakage)."""
    photos = [(split, path, h) for split, found in embedded.items() for (path, _), h in zip(found.items, found.hashes)]
    pairs = []
    for i, (split_a, path_a, hash_a) in enumerate(photos):
        for split_b, path_b, hash_b in photos[i + 1:]:
            if split_a != split_b and bin(hash_a ^ hash_b).count("1") <= near:
                pairs.append({"a": _shown(path_a, root), "b": _shown(path_b, root),
                              "splits": [split_a, split_b],
                              "bits": bin(hash_a ^ hash_b).count("1")})
    return pairs


def too_few(data, counts, few=FEW):
    """Labels with fewer than `few` training photos."""
    return [{"label": label, "train": counts["train"][label]} for label in data.labels if counts["train"][label] < few]


def _units(split):
    """The unit a learning curve draws for each photo of a split: its source when photos name theirs, else itself."""
    named = split.sources is not None and any(split.sources)
    sources = split.sources or [None] * len(split.items)
    return [(source or f"\0photo {i}") if named else i for i, source in enumerate(sources)]


def learning_curve(data, embedded, seed=0):
    """Held-out accuracy (test split, else validation) of heads fitted as train() fits them on 25/50/75/100% of the
    training photos (labels: val pooled in, the penalty cross-validated); when the photos sit in source folders,
    on 25/50/75/100% of each label's training sources (and only their validation photos).

    Tags: the exact-match ratio, from photos drawn per first tag, each tag at its own threshold."""
    train, val = embedded["train"], embedded["val"]
    held = (embedded.get("test") or val).centres()
    if len(held.labels) == 0:
        return []
    by_source = not data.tags and train.sources is not None and any(train.sources)
    units, val_units = _units(train), _units(val)
    rng = np.random.default_rng(seed)
    order = {k: rng.permutation(list(dict.fromkeys(u for u, (_, label) in zip(units, train.items)
                                                   if dataset.indices(label)[0] == k)))
             for k in range(len(data.labels))}
    curve = []
    for share in SHARES:
        drawn = {k: set(o[:max(1, round(share * len(o)))].tolist()) for k, o in order.items()}
        chosen = np.array([i for i, (u, (_, label)) in enumerate(zip(units, train.items))
                           if u in drawn[dataset.indices(label)[0]]], dtype=np.int64)
        point = {"share": share, "photos": int(len(chosen))}
        if by_source:
            point["sources"] = len(set().union(*drawn.values()))
        if data.tags:  # the tags judge's model is served with raw scores and each tag's own threshold
            part = train.subset(chosen)
            part = head.train(data.labels, part.features, part.labels, val.features, val.labels,
                              train_weights=part.weights)
            report = measures.tag_report(data.labels, held.labels, part.scores(held.features), part.thresholds)
            curve.append({**point, "accuracy": round(report.exact_match, 4)})
            continue
        kept_val = val
        if by_source:
            kept = [i for i, (u, (_, k)) in enumerate(zip(val_units, val.items)) if u in drawn[k]]
            kept_val = val.subset(np.array(kept, dtype=np.int64))
        part = head.fit_splits(data.labels, [train.subset(chosen), kept_val])
        weights, bias = part.folded()  # scored as the served model scores: float32 Gemm, every label at 0.5
        scores = head.sigmoid((np.asarray(held.features, np.float32) @ weights + bias).astype(np.float64))
        report = measures.report(data.labels, held.labels, scores, np.full(len(data.labels), 0.5))
        curve.append({**point, "accuracy": round(report.accuracy, 4)})
    return curve


def source_errors(data, embedded, fitted):
    """Per held-out source (test split, photos in source folders) with a wrong answer: how many of its photos the
    judge gets right, and what it takes them for; sources whose photos are all right are left out."""
    held = embedded.get("test")
    if held is None or not held.sources or not any(held.sources):
        return []
    held = held.centres()
    weights, bias = fitted.folded()
    scores = head.sigmoid((np.asarray(held.features, np.float32) @ weights + bias).astype(np.float64))
    per = {}
    for source, truth, row in zip(held.sources, held.labels, scores):
        said = int(np.argmax(row)) if row.max() >= 0.5 else None
        entry = per.setdefault(source or "(no source folder)", {"photos": 0, "right": 0, "taken_for": {}})
        entry["photos"] += 1
        if said == truth:
            entry["right"] += 1
        else:
            name = "no match" if said is None else data.labels[said]
            entry["taken_for"][name] = entry["taken_for"].get(name, 0) + 1
    ranked = sorted(per.items(), key=lambda item: (item[1]["right"] / item[1]["photos"], item[0]))
    return [{"source": source, **entry} for source, entry in ranked if entry["right"] < entry["photos"]]


def shared_sources(embedded):
    """Sources (source folders) that give photos to the test split and to training: held-out figures would flatter."""
    test = set(s for s in (embedded["test"].sources or ()) if s) if "test" in embedded else set()
    trained = {s for split in ("train", "val") if split in embedded for s in (embedded[split].sources or ()) if s}
    return sorted(test & trained)


def verdict(curve):
    """What the learning curve says, in one sentence."""
    if len(curve) < 4:
        return "no held-out photos to draw a learning curve on"
    gain = curve[-1]["accuracy"] - curve[1]["accuracy"]
    if gain > STILL_RISING:
        return f"still rising (+{gain:.3f} from 50% to 100% of the photos): more photos would likely help"
    return f"flat ({gain:+.3f} from 50% to 100% of the photos): more photos like these would add little"


def examine(data, embedded, fitted):
    """Every finding of the doctor, JSON-ready, for the card, metrics.json and `flask train`'s output."""
    curve = learning_curve(data, embedded)
    # Tags: no doubtful-label check; a head cannot say a tag is wrong from another tag scoring high.
    found = {"suspicious": None if data.tags else suspicious(data, embedded, fitted.penalty, data.root),
             "duplicates": duplicates(embedded, data.root),
             "too_few": too_few(data, data.counts()),
             "learning_curve": curve, "curve_says": verdict(curve)}
    if not data.tags and any(embedded["train"].sources or ()):  # photos in source folders
        found["shared_sources"] = shared_sources(embedded)
        found["source_errors"] = source_errors(data, embedded, fitted)
    return found


def lines(found):
    """The findings as Markdown list items (the card) or plain lines (the terminal)."""
    if found["suspicious"] is None:
        out = ["- Labels that may be wrong: not checked for tags (a photo may rightly carry several at once)"]
    else:
        out = [f"- Labels that may be wrong ({len(found['suspicious'])}: a head trained without the photo, "
               f"{FOLDS}-fold, scores another label ≥ {CONFIDENT}):"]
        out += [f"  - `{s['photo']}` in {s['folder']} looks like {s['looks_like']} ({s['score']:.2f})"
                for s in found["suspicious"]] or ["  - none"]
    out += [f"- Near-duplicates across splits ({len(found['duplicates'])}: difference hash ≤ {NEAR} bits apart):"]
    out += [f"  - `{d['a']}` ({d['splits'][0]}) ≈ `{d['b']}` ({d['splits'][1]}, {d['bits']} bits)"
            for d in found["duplicates"]] or ["  - none"]
    out += [f"- Labels with fewer than {FEW} training photos: "
            + (", ".join(f"{t['label']} ({t['train']})" for t in found["too_few"]) or "none")]
    if "shared_sources" in found:
        out += ["- Sources in the test split and in training (held-out figures flatter them): "
                + (", ".join(f"`{s}`" for s in found["shared_sources"]) or "none")]
        out += [f"- Held-out sources with wrong answers ({len(found['source_errors'])}):"]
        out += [f"  - `{e['source']}`: {e['right']} of {e['photos']} right; taken for "
                + ", ".join(f"{name} ({n})" for name, n in sorted(e["taken_for"].items()))
                for e in found["source_errors"]] or ["  - none"]
    by_source = any("sources" in c for c in found["learning_curve"])
    curve = ", ".join(f"{int(c['share'] * 100)}% ("
                      + (f"{c['sources']} sources, " if by_source else "") + f"{c['photos']}): {c['accuracy']:.3f}"
                      for c in found["learning_curve"])
    measure = "exact match" if found["suspicious"] is None else "accuracy"
    unit = "training sources" if by_source else "training photos"
    out += [f"- Learning curve (held-out {measure} by share of the {unit}): {curve or 'n/a'}; "
            f"{found['curve_says'].replace('photos', 'sources') if by_source else found['curve_says']}"]
    return out


def _shown(path, root):
    """A photo as the card names it: within the data folder, its path there; an added one (--add), its name."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else f"{path.parent.name}/{path.name}"
