"""What a judged photo leaves behind, as plain data: judges make these, the store keeps them, pages show them."""

from dataclasses import dataclass, field
from datetime import datetime, timezone


@dataclass
class JudgedRegion:
    """A region as judged: what the detector found there and, when it was classified on its own, its verdict."""

    label: str
    score: float
    box: list
    labels: list = field(default_factory=list)
    verdict: dict = None  # {ja, en}, fixed when the photo was judged
    look: dict = None  # how its own answer is drawn, as judged: {color, comment, reading}

    def as_dict(self, scale=1.0):
        """The region as JSON-ready data; scale turns its box into another size of the same photo."""
        box = self.box if scale == 1.0 else [round(v * scale) for v in self.box]
        shown = {"label": self.label, "score": round(self.score, 4), "box": box, "labels": self.labels}
        if self.verdict:
            shown["verdict"] = self.verdict
        if self.look and "unit" in self.look:
            shown.update(value=round(self.look["value"], 2), unit=self.look.get("unit"))
        return shown


@dataclass
class Judgement:
    """What a judge concluded about one photo, before it is stored."""

    judge: str
    kind: str
    score: float
    verdict: dict
    sensitive: bool
    labels: list
    regions: list
    timings_ms: dict = field(default_factory=dict)
    tags: list = None  # tags judges: the tags given, highest score first
    frame: dict = None  # of an animation judged frame by frame: {"index": the deciding frame (0-based), "count"}
    version: str = None  # the judge's version that judged it (None for results judged before versions)
    look: dict = None  # how the verdict is drawn, as judged: {color, comment, reading} (None: stored before looks)

    def as_dict(self, scale=1.0):
        """The judgement as JSON-ready data, the same for the API and the CLI (scale: see JudgedRegion.as_dict)."""
        extra = {**({"tags": self.tags} if self.tags is not None else {}),
                 **({"frame": self.frame} if self.frame else {}),
                 **({"value": round(self.score, 2), "unit": (self.look or {}).get("unit")} if self.kind == "number"
                    else {})}
        return {**extra,
            "judge": self.judge,
            "kind": self.kind,
            "score": round(self.score, 4),
            "verdict": self.verdict,
            "sensitive": self.sensitive,
            "labels": self.labels,
            "regions": [region.as_dict(scale) for region in self.regions],
            "timings_ms": self.timings_ms,
        }


@dataclass
class Record:
    """A stored result: its judgement, photo facts and lifetime, as pages and the API show it."""

    id: str
    judgement: Judgement
    width: int
    height: int
    has_photo: bool
    created_at: datetime
    expires_at: datetime
    owner_token: str = None  # known only right after saving, to the uploader
    uploaded: tuple = None  # (width, height) of the photo as uploaded, upright (None: stored before it was kept)

    @property
    def expired(self):
        return self.expires_at <= datetime.now(timezone.utc)

    def as_dict(self):
        """The documented JSON result (without the uploader-only delete_url): boxes in the uploaded photo's pixels."""
        width, height = self.uploaded or (self.width, self.height)
        return {
            "id": self.id,
            **self.judgement.as_dict(scale=width / self.width if self.width else 1.0),
            "image": {"width": width, "height": height, "kept": self.has_photo},
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
        }
