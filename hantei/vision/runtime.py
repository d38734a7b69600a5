"""onnxruntime sessions: one per model file per process, created lazily so that each worker owns its own."""

import os
import threading
from importlib import resources
from pathlib import Path

import cv2
import onnxruntime

_sessions = {}
_lock = threading.Lock()
_threads = 1


def configure(threads):
    """Set how many threads each new session, and OpenCV, use (one per worker is best on small VPSes)."""
    global _threads
    _threads = max(1, int(threads))
    cv2.setNumThreads(_threads)


def resolve(path, base=None):
    """Turn a manifest path ("pkg:nudenet/320n.onnx" or a relative file) into a filesystem path."""
    path = str(path)
    if path.startswith("pkg:"):
        package, _, inner = path[4:].partition("/")
        return Path(str(resources.files(package).joinpath(inner)))
    return (Path(base) / path) if base else Path(path)


def session(path):
    """Return this process's session for a model file, creating it on first use (after any fork)."""
    key = (os.getpid(), str(path))
    found = _sessions.get(key)
    if found is not None:
        return found
    with _lock:
        if key not in _sessions:
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = _threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            _sessions[key] = onnxruntime.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        return _sessions[key]


class OnnxModel:
    """A model file with this process's session for it: what detectors and classifiers share."""

    path = None

    def load(self):
        """Create the ONNX session now rather than on the first photo."""
        session(self.path)

    @property
    def loaded(self):
        return has_session(self.path)


def has_session(path):
    """Whether this process has already created the session for a model file."""
    return (os.getpid(), str(path)) in _sessions
