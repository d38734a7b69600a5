"""Judges: a folder with a manifest becomes a spec, a judge at work, and a registry of every such folder."""

from .judge import Judge
from .judging import decode_for, judge_bytes, judge_decoded
from .manifest import ManifestError
from .registry import Judges, UnknownJudge, open_judge

__all__ = ["Judge", "Judges", "ManifestError", "UnknownJudge", "decode_for", "judge_bytes", "judge_decoded",
           "open_judge"]
