"""Request bodies: uploads read once into memory (no temporary file, no second copy of a 3 MB body), and read
defensively (a broken or abandoned body, or a name that is not UTF-8, is a 400, not a 500)."""

import io

from flask import Request
from werkzeug.exceptions import BadRequest, ClientDisconnected
from werkzeug.formparser import FormDataParser


class BadFormName(BadRequest):
    """A multipart part whose headers (its file or field name) are not UTF-8."""


class _Parser(FormDataParser):
    """Werkzeug's parser, except that an unreadable part name is said, not dropped as "no file" in silence."""

    def _parse_multipart(self, stream, mimetype, content_length, options):
        try:
            return super()._parse_multipart(stream, mimetype, content_length, options)
        except UnicodeDecodeError:
            raise BadFormName() from None


class _Joined(io.BytesIO):
    """An uploaded file's bytes kept as the parser hands them over and joined once, when first read: a BytesIO
    written 64 kB at a time copied the whole file again at every resize (about 6 ms for 3 MB)."""

    def __init__(self):
        super().__init__()
        self._chunks = []

    def write(self, data):
        self._chunks.append(data if isinstance(data, bytes) else bytes(data))
        return len(data)

    def _join(self):
        if self._chunks:
            whole, self._chunks = b"".join(self._chunks), []
            super().__init__(whole)  # the buffer is `whole` itself: getvalue() hands it over without a copy


def _joining(name):
    def method(self, *args, **kwargs):
        self._join()
        return getattr(io.BytesIO, name)(self, *args, **kwargs)
    return method


for _name in ("seek", "tell", "read", "read1", "readinto", "readline", "readlines", "getvalue", "getbuffer",
              "__iter__", "__next__"):
    setattr(_Joined, _name, _joining(_name))


class UploadRequest(Request):
    """A request whose uploaded files land in memory (the whole body is already bounded by MAX_CONTENT_LENGTH)."""

    form_data_parser_class = _Parser

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return _Joined()

    def _get_stream_for_parsing(self):
        """The body read in one go: gunicorn's reader copies what it holds ahead on every read, and the
        multipart parser reads 64 kB at a time, so a 3 MB body was copied over and over."""
        stream = super()._get_stream_for_parsing()
        if isinstance(stream, io.BytesIO) or not self.content_length:
            return stream
        body = self.environ["wsgi.input"].read(self.content_length)  # werkzeug's stream would copy it twice more
        if len(body) < self.content_length:
            raise ClientDisconnected()  # the client went before the body it announced: nothing of it is kept
        self.__dict__["stream"] = io.BytesIO()  # read: werkzeug's stream would wait for bytes this read took
        return io.BytesIO(body)


def uploaded_bytes(file):
    """The bytes of an uploaded file, without copying them when they are already in memory."""
    if file is None:
        return b""
    stream = file.stream
    if isinstance(stream, io.BytesIO):
        return stream.getvalue()  # CPython hands over the buffer itself when nobody else holds it
    return file.read()


class _GuardedInput:
    """wsgi.input whose read errors (a malformed chunk, a client gone mid-body) become ClientDisconnected (400).

    gunicorn ends a body cut short before its Content-Length as if it were whole: that is a disconnect too."""

    def __init__(self, stream, length):
        self._stream = stream
        self._left = length  # bytes the client said it would still send, or None (chunked)

    def _guarded(self, method, *args):
        try:
            data = getattr(self._stream, method)(*args)
        except ClientDisconnected:
            raise
        except Exception:  # gunicorn raises its own parse errors (IOError subclasses and others) from read()
            raise ClientDisconnected() from None
        if self._left is not None:
            got = sum(map(len, data)) if isinstance(data, list) else len(data)
            self._left -= got
            if not got and self._left > 0 and (not args or args[0] is None or args[0] != 0):
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
    """WSGI middleware: every request's body is read through _GuardedInput."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if "wsgi.input" in environ:
            length = environ.get("CONTENT_LENGTH", "")
            environ["wsgi.input"] = _GuardedInput(environ["wsgi.input"], int(length) if length.isdigit() else None)
        return self.app(environ, start_response)
