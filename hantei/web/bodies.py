"""Request bodies: uploads read once into one buffer and split where they lie (no temporary file, no copy of a
3 MB body but the file's own), and read defensively (a broken or abandoned body, or a name that is not UTF-8, is a
400, not a 500)."""

import io
import logging

from flask import Request
from gunicorn.http.body import Body, LengthReader
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, MultipartState
from werkzeug.datastructures import FileStorage, Headers
from werkzeug.exceptions import BadRequest, ClientDisconnected, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser, MultiPartParser
from werkzeug.http import parse_options_header


class BadFormName(BadRequest):
    """A multipart part whose headers (its file or field name) are not UTF-8."""


_WERKZEUG = MultiPartParser()  # for its rule of which charset a field may declare
# A broken form is the client's mistake, answered with a 400: not a warning in the server's log for each one.
logging.getLogger("python_multipart").setLevel(logging.ERROR)


class _Parser(FormDataParser):
    """Multipart forms split where the body already lies in memory (python-multipart hands over where each part
    starts and ends, so a file is one slice of the body; werkzeug's decoder copied it three times over), with
    werkzeug's limits and answers. A body python-multipart refuses goes to werkzeug's decoder, which accepts
    more (bare LF line breaks, an empty part without its CRLF, as werkzeug's own test client sends)."""

    def _parse_multipart(self, stream, mimetype, content_length, options):
        boundary = options.get("boundary", "").encode("ascii", "replace")
        body = stream.whole if isinstance(stream, _Whole) else stream.read()
        parts = _split(body, boundary)
        if parts is None:
            return self._parse_leniently(io.BytesIO(bytes(body)), mimetype, content_length, options)
        if self.max_form_parts is not None and len(parts) > self.max_form_parts:
            raise RequestEntityTooLarge()
        fields, files = [], []
        for headers, data in parts:
            disposition = headers.get("content-disposition")
            if disposition is None:
                return stream, self.cls(), self.cls()  # what werkzeug's silent parser answers for a broken form
            extra = parse_options_header(disposition)[1]
            name, filename = extra.get("name"), extra.get("filename")
            if filename is None:
                if self.max_form_memory_size is not None and len(data) > self.max_form_memory_size:
                    raise RequestEntityTooLarge()
                fields.append((name, bytes(data).decode(_WERKZEUG.get_part_charset(headers), "replace")))
            else:
                files.append((name, FileStorage(io.BytesIO(bytes(data)), filename, name, headers=headers)))
        return io.BytesIO(), self.cls(fields), self.cls(files)

    def _parse_leniently(self, stream, mimetype, content_length, options):
        """werkzeug's own decoding, except that an unreadable part name is said, not dropped as "no file"."""
        try:
            return super()._parse_multipart(stream, mimetype, content_length, options)
        except UnicodeDecodeError:
            raise BadFormName() from None


def _split(body, boundary):
    """[(Headers, bytes-like)] of each part of a multipart body, or None when the body is not a whole form."""
    parts, chunks, raw = [], [], []

    def header_value(data, start, end):
        raw[-1][1] += bytes(data[start:end])

    def part_end():
        parts.append((_headers(raw), chunks[0] if len(chunks) == 1 else b"".join(chunks)))

    parser = MultipartParser(boundary, {
        "on_part_begin": lambda: (chunks.clear(), raw.clear()),
        "on_header_field": lambda data, start, end: raw.append([bytes(data[start:end]), b""]),
        "on_header_value": header_value,
        "on_part_data": lambda data, start, end: chunks.append(memoryview(data)[start:end]),  # where it lies
        "on_part_end": part_end,
    })
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError:
        return None
    return parts if parser.state == MultipartState.END else None


def _headers(raw):
    try:
        return Headers([(name.decode(), value.decode().strip(" \t")) for name, value in raw])
    except UnicodeDecodeError:
        raise BadFormName() from None


class _Whole(io.BytesIO):
    """A body read whole into one buffer, handed to the multipart parser as it is (a BytesIO would copy it)."""

    def __init__(self, whole):
        super().__init__()
        self.whole = whole


class UploadRequest(Request):
    """A request whose uploaded files land in memory (the whole body is already bounded by MAX_CONTENT_LENGTH)."""

    form_data_parser_class = _Parser

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return io.BytesIO()  # werkzeug's decoder, for the bodies python-multipart refuses: in memory as well

    def _get_stream_for_parsing(self):
        """The body read in one go, into one buffer, for the parser to split without copying."""
        stream = super()._get_stream_for_parsing()  # refuses a body over MAX_CONTENT_LENGTH before reading it
        if isinstance(stream, io.BytesIO) or not self.content_length:
            return stream
        wsgi_input = self.environ["wsgi.input"]
        if isinstance(wsgi_input, _GuardedInput):
            body = wsgi_input.read_whole(self.content_length)
        else:
            body = wsgi_input.read(self.content_length)  # werkzeug's stream would copy it twice more
            if len(body) < self.content_length:
                raise ClientDisconnected()  # the client went before the body it announced: nothing of it is kept
        self.__dict__["stream"] = io.BytesIO()  # read: werkzeug's stream would wait for bytes this read took
        return _Whole(body) if self.mimetype == "multipart/form-data" else io.BytesIO(bytes(body))


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

    def __init__(self, stream, length, socket=None):
        self._stream = stream
        self._left = length  # bytes the client said it would still send, or None (chunked)
        self._socket = socket  # gunicorn's connection to the client, when gunicorn serves the request

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

    def read_whole(self, length):
        """The length bytes of the body in one buffer, or ClientDisconnected: under gunicorn received straight into
        that buffer (its reader copies a 3 MB body four times: 3.3 ms of a worker's time, against 1.3 ms)."""
        body = self._stream
        if (self._socket is None or not isinstance(body, Body) or not isinstance(body.reader, LengthReader)
                or body.buf.tell() or body.reader.length != length or self._left != length):
            data = self.read(length)
            if len(data) < length:
                raise ClientDisconnected()
            return data
        buffer = bytearray(length)
        view = memoryview(buffer)
        ahead = body.reader.unreader.take_buffered()  # what came with the headers: the body's first bytes, or more
        got = min(len(ahead), length)
        view[:got] = ahead[:got]
        if len(ahead) > length:
            body.reader.unreader.unread(ahead[length:])  # the next request on this connection, already sent
        try:
            while got < length:
                received = self._socket.recv_into(view[got:])
                if not received:
                    break
                got += received
        except OSError:
            got = -1
        body.reader.length = self._left = 0
        if got < length:
            body.failed = True  # where the next request would start is unknown: gunicorn closes the connection
            raise ClientDisconnected()
        return buffer

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
            environ["wsgi.input"] = _GuardedInput(environ["wsgi.input"], int(length) if length.isdigit() else None,
                                                  environ.get("gunicorn.socket"))
        return self.app(environ, start_response)
