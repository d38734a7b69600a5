"""Uploaded files read once into memory: no temporary file on disk and no second copy of a 3 MB body."""

import io

from flask import Request


class UploadRequest(Request):
    """A request whose uploaded files land in memory (the whole body is already bounded by MAX_CONTENT_LENGTH)."""

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return io.BytesIO()

    def _get_stream_for_parsing(self):
        """The body read in one go: gunicorn's reader copies what it holds ahead on every read, and the
        multipart parser reads 64 kB at a time, so a 3 MB body was copied over and over."""
        stream = super()._get_stream_for_parsing()
        if isinstance(stream, io.BytesIO) or not self.content_length:
            return stream
        return io.BytesIO(stream.read(self.content_length))


def uploaded_bytes(file):
    """The bytes of an uploaded file, without copying them when they are already in memory."""
    if file is None:
        return b""
    stream = file.stream
    if isinstance(stream, io.BytesIO):
        return stream.getvalue()  # CPython hands over the buffer itself when nobody else holds it
    return file.read()
