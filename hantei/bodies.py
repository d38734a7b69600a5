"""Uploaded files read once into memory: no temporary file on disk and no second copy of a 3 MB body."""

import io

from flask import Request


class UploadRequest(Request):
    """A request whose uploaded files land in memory (the whole body is already bounded by MAX_CONTENT_LENGTH)."""

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return io.BytesIO()


def uploaded_bytes(file):
    """The bytes of an uploaded file, without copying them when they are already in memory."""
    if file is None:
        return b""
    stream = file.stream
    if isinstance(stream, io.BytesIO):
        return stream.getvalue()  # CPython hands over the buffer itself when nobody else holds it
    return file.read()
