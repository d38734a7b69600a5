"""glibc's heap, tuned for workers that decode large photos: the arena and mmap settings gunicorn applies before
forking, and the trim a worker runs after an upload. Nothing here is needed off glibc: every call is then a no-op."""

import ctypes
import ctypes.util
import os
import threading
import time

# mallopt's parameter numbers (malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
# glibc gives every thread its own malloc arena; with gthread workers decoding 12 MP photos that doubles resident
# memory (measured: 215 -> 413 MB per worker). Two arenas keep it flat (223 MB).
ARENAS = 2
# Buffers of 8 MB and more (a 12 MP photo decoded whole: a HEIC kept, a big PNG) are mapped on their own and handed
# back when freed; glibc's sliding threshold otherwise put them on the heap, where they stayed (measured over mixed
# uploads: 250-267 MB per worker, growing; with this, 188-215 MB, flat). The 1/4-scale JPEG of the common path
# (2.3 MB) stays on the heap and pays nothing.
MMAP_FROM = 8 * 1024 * 1024
# Setting the mmap threshold also pins glibc's trim threshold at 128 kB: the heap's top was handed back after every
# upload and its pages faulted in again by the next (a refused 3 MB upload: 4.9 ms of a worker's time, 2.0 ms when
# 16 MB of free heap may stay on top; a kept 12 MP JPEG: 53 ms, 48 ms; 32 MB bought nothing more).
KEEP_ON_TOP = 16 * 1024 * 1024
TRIM_FROM = 32 << 20  # free heap worth a malloc_trim: it costs 1.5 ms and the pages it returns fault back in
# A worker's free heap settles at 25-45 MB: trimming whenever 32 MB lay free trimmed after nearly every upload
# once it settled above, and the next upload faulted the pages in again (5-8 ms of a worker's time each).
TRIM_EVERY_SECONDS = 10


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                      "fsmblks", "uordblks", "fordblks", "keepcost")]


try:
    _LIBC = ctypes.CDLL(ctypes.util.find_library("c"))
    _LIBC.malloc_trim  # noqa: B018 - glibc only
    _LIBC.mallopt  # noqa: B018
    _LIBC.mallinfo2.restype = _MallInfo2  # glibc 2.33 and later
except (OSError, AttributeError, TypeError):
    _LIBC = None


def tune(environ=os.environ):
    """Set the arena count, mmap threshold and trim threshold (gunicorn's master, before it forks the workers);
    MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ in the environment win, as in glibc.
    Return the values set ({} off glibc)."""
    if _LIBC is None:
        return {}
    values = {M_ARENA_MAX: int(environ.get("MALLOC_ARENA_MAX", ARENAS)),
              M_MMAP_THRESHOLD: int(environ.get("MALLOC_MMAP_THRESHOLD_", MMAP_FROM)),
              M_TRIM_THRESHOLD: int(environ.get("MALLOC_TRIM_THRESHOLD_", KEEP_ON_TOP))}
    for parameter, value in values.items():
        _LIBC.mallopt(parameter, value)
    return values


_TRIMMED = {"at": float("-inf"), "free": 0}  # when the last trim ran, and the free heap it left counted
_TRIMMED_LOCK = threading.Lock()


def free_bytes():
    """The heap glibc holds free (None off glibc)."""
    return None if _LIBC is None else _LIBC.mallinfo2().fordblks


def release_memory():
    """Hand freed heap back to the system after an upload, so that one large photo does not keep a worker big:
    when TRIM_FROM lie free, at most every TRIM_EVERY_SECONDS unless TRIM_FROM more came free since the last trim
    (a trim leaves freed chunks counted as free, their pages handed back). Return whether it trimmed."""
    if _LIBC is None:
        return False
    free = _LIBC.mallinfo2().fordblks
    with _TRIMMED_LOCK:
        if free < TRIM_FROM or (time.monotonic() < _TRIMMED["at"] + TRIM_EVERY_SECONDS
                                and free < _TRIMMED["free"] + TRIM_FROM):
            return False
        _TRIMMED["at"] = time.monotonic()
    _LIBC.malloc_trim(0)
    _TRIMMED["free"] = _LIBC.mallinfo2().fordblks
    return True
