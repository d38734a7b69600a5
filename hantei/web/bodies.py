"""Request bodies on werkzeug's public path: uploads kept in memory (no temporary file), and read defensively (a
broken or abandoned body, or a name that is not UTF-8, is a 400, not a 500). fast_bodies.py reads them faster."""

import io

from flask import Request
from werkzeug.exceptions import BadRequest, ClientDisconnected


class BadFormName(BadRequest):
    """A multipart part whose headers (its file or field name) are not UTF-8."""


def in_memory(total_content_length, content_type, filename=None, content_length=None):
    """Where an uploaded file lands: memory (the whole body is already bounded by MAX_CONTENT_LENGTH)."""
    return io.BytesIO()


class UploadRequest(Request):
    """A request whose uploaded files land in memory, through werkzeug's own multipart decoder (which takes a part
    whose name is not UTF-8 for no part: the upload is then refused as no file, a 400)."""

    def make_form_data_parser(self):
        parser = super().make_form_data_parser()
        parser.stream_factory = in_memory
        return parser


def uploaded_bytes(file):
    """The bytes of an uploaded file, without copying them when they are already in memory."""
    if file is None:
        return b""
    stream = file.stream
    if isinstance(stream, io.BytesIO):
        return stream.getvalue()  # CPython hands over the buffer itself when nobody else holds it
    return file.read()


class GuardedInput:
    """wsgi.input whose read errors (a malformed chunk, a client gone mid-body) become ClientDisconnected (400).

    gunicorn ends a body cut short before its Content-Length as if it were whole: that is a disconnect too."""

    def __init__(self, stream, length, socket=None):
        self.stream = stream
        self.left = length  # bytes the client said it would still send, or None (chunked)
        self.socket = socket  # gunicorn's connection to the client, when gunicorn serves the request

    def _guarded(self, method, *args):
        try:
            data = getattr(self.stream, method)(*args)
        except ClientDisconnected:
            raise
        except Exception:  # gunicorn raises its own parse errors (IOError subclasses and others) from read()
            raise ClientDisconnected() from None
        if self.left is not None:
            got = sum(map(len, data)) if isinstance(data, list) else len(data)
            self.left -= got
            if not got and self.left > 0 and (not args or args[0] is None or args[0] != 0):
                raise ClientDisconnected()
        return data

    def read(self, *args):
        return self._guarded("read", *args)

    def readline(self, *args):
        return self._guarded("readline", *args)

    def readlines(self, *args):
        return self._guarded("readlines", *args)

    def __iter__(self):
        return iter(self.readline, b"")


class GuardBodies:
    """WSGI middleware: every request's body is read through GuardedInput."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if "wsgi.input" in environ:
            length = environ.get("CONTENT_LENGTH", "")
            environ["wsgi.input"] = GuardedInput(environ["wsgi.input"], int(length) if length.isdigit() else None,
                                                 environ.get("gunicorn.socket"))
        return self.app(environ, start_response)
