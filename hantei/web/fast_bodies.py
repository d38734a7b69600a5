"""The one door to werkzeug's and gunicorn's private internals: an upload received straight into one buffer under
gunicorn and split where it lies (python-multipart gives each part's offsets), instead of werkzeug's reader and
decoder copying a 3 MB body seven times (about 2 ms of a worker's time per 3 MB upload, see docs/performance.md).

Written against werkzeug 3.1.9 and gunicorn 27.0.1 (pinned in requirements.txt). check() runs at start-up: when an
internal it relies on is not there, the app serves with bodies.UploadRequest, the public path, and says so once."""

import inspect
import io
import logging

from gunicorn.http import parser as gunicorn_parser
from gunicorn.http.body import Body, LengthReader
from gunicorn.http.unreader import IterUnreader, Unreader
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, MultipartState
from werkzeug.datastructures import FileStorage, Headers
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser, MultiPartParser
from werkzeug.http import parse_options_header
from werkzeug.wrappers import Request

from .bodies import BadFormName, GuardedInput, UploadRequest

_WERKZEUG = MultiPartParser()  # for its rule of which charset a field may declare
# A broken form is the client's mistake, answered with a 400: not a warning in the server's log for each one.
logging.getLogger("python_multipart").setLevel(logging.ERROR)


def missing():
    """The private internals this module relies on that the installed werkzeug and gunicorn lack (empty: all there)."""
    gaps = []
    for owner, name, params in ((FormDataParser, "_parse_multipart", ["stream", "mimetype", "content_length",
                                                                     "options"]),
                                (Request, "_get_stream_for_parsing", []), (Unreader, "take_buffered", []),
                                (Unreader, "unread", ["data"])):
        method = getattr(owner, name, None)
        if method is None or list(inspect.signature(method).parameters)[1:] != params:
            gaps.append(f"{owner.__module__}.{owner.__name__}.{name}{tuple(params)}")
    try:
        body = Body(LengthReader(IterUnreader([b""]), 0))
        for name in ("buf", "reader", "failed"):
            if not hasattr(body, name):
                gaps.append(f"gunicorn Body.{name}")
        for name in ("length", "unreader"):
            if not hasattr(body.reader, name):
                gaps.append(f"gunicorn LengthReader.{name}")
    except Exception as error:  # a changed constructor is a gap too
        gaps.append(f"gunicorn Body(LengthReader(…)): {error}")
    if "failed" not in inspect.getsource(gunicorn_parser):
        gaps.append("gunicorn's parser no longer reads Body.failed")
    return gaps


def request_class(logger):
    """FastUploadRequest when every internal it needs is there, else the public path, with a log line why."""
    gaps = missing()
    if gaps:
        logger.warning("uploads take werkzeug's public path (slower by about 2 ms per 3 MB): not found: %s",
                       ", ".join(gaps))
        return UploadRequest
    return FastUploadRequest


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


class FastUploadRequest(UploadRequest):
    """An upload request whose body is read in one go into one buffer and split where it lies."""

    form_data_parser_class = _Parser

    def _get_stream_for_parsing(self):
        """The body read in one go, into one buffer, for the parser to split without copying."""
        stream = super()._get_stream_for_parsing()  # refuses a body over MAX_CONTENT_LENGTH before reading it
        if isinstance(stream, io.BytesIO) or not self.content_length:
            return stream
        wsgi_input = self.environ["wsgi.input"]
        if isinstance(wsgi_input, GuardedInput):
            body = receive_whole(wsgi_input, self.content_length)
        else:
            body = wsgi_input.read(self.content_length)  # werkzeug's stream would copy it twice more
            if len(body) < self.content_length:
                raise ClientDisconnected()  # the client went before the body it announced: nothing of it is kept
        self.__dict__["stream"] = io.BytesIO()  # read: werkzeug's stream would wait for bytes this read took
        return _Whole(body) if self.mimetype == "multipart/form-data" else io.BytesIO(bytes(body))


def receive_whole(wsgi_input, length):
    """The length bytes of the body in one buffer, or ClientDisconnected: under gunicorn received straight into
    that buffer (its reader copies a 3 MB body four times: 3.3 ms of a worker's time, against 1.3 ms)."""
    body, sock = wsgi_input.stream, wsgi_input.socket
    if (sock is None or not isinstance(body, Body) or not isinstance(body.reader, LengthReader)
            or body.buf.tell() or body.reader.length != length or wsgi_input.left != length):
        data = wsgi_input.read(length)
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
            received = sock.recv_into(view[got:])
            if not received:
                break
            got += received
    except OSError:
        got = -1
    body.reader.length = wsgi_input.left = 0
    if got < length:
        body.failed = True  # where the next request would start is unknown: gunicorn closes the connection
        raise ClientDisconnected()
    return buffer
