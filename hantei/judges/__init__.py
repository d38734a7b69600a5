"""Judges: a folder with a manifest becomes a spec, a judge at work, and a registry of every such folder."""

from .judge import Judge
from .judging import judge_bytes
from .manifest import ManifestError
from .registry import Judges, UnknownJudge, open_judge

__all__ = ["Judge", "Judges", "ManifestError", "UnknownJudge", "judge_bytes", "open_judge"]
