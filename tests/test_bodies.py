"""Request bodies: multipart forms split in memory, and under gunicorn received straight into one buffer."""

import io
import logging
import socket
import time

import numpy as np
import pytest
from PIL import Image
from werkzeug.test import EnvironBuilder

from hantei.web.bodies import BadFormName, uploaded_bytes
from hantei.web.bodies import UploadRequest as PublicRequest
from hantei.web.fast_bodies import FastUploadRequest as UploadRequest
from tests.photos import encoded, rgb
from tests.servers import Gunicorn

BOUNDARY = "XXb0undary"


def form(*parts, boundary=BOUNDARY, end=True):
    """A multipart body of (name, value) fields and (name, filename, bytes) files, as a browser sends it."""
    out = b""
    for part in parts:
        if len(part) == 2:
            out += f'--{boundary}\r\nContent-Disposition: form-data; name="{part[0]}"\r\n\r\n'.encode()
            out += part[1].encode() + b"\r\n"
        else:
            out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{part[0]}"; filename="{part[1]}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n").encode() + part[2] + b"\r\n"
    return out + (f"--{boundary}--\r\n".encode() if end else b"")


def parsed(body, boundary=BOUNDARY, request_class=UploadRequest):
    environ = EnvironBuilder(method="POST", input_stream=io.BytesIO(body),
                             content_type=f"multipart/form-data; boundary={boundary}",
                             content_length=len(body)).get_environ()
    return request_class(environ)


BOTH_PATHS = pytest.mark.parametrize("request_class", [UploadRequest, PublicRequest], ids=["fast", "public"])


def noise_png(side=900):
    """A PNG of noise (about 2.4 MB): any byte lost, doubled or moved breaks its checksums, so it is refused."""
    pixels = np.random.default_rng(7).integers(0, 256, (side, side, 3), dtype=np.uint8)
    return encoded(Image.fromarray(pixels), "PNG", compress_level=1)


@BOTH_PATHS
def test_fields_and_files_come_out_as_they_went_in(request_class):
    tricky = b"\r\n--XXb0undar\r\n--\r\n" + bytes(range(256)) * 40 + b"\r\n--XXb0und"  # the boundary, nearly
    request = parsed(form(("judge", "ポーズ判定"), ("image", "a.jpg", tricky), ("image", "b.jpg", b"second")),
                     request_class=request_class)
    assert request.form["judge"] == "ポーズ判定"
    files = request.files.getlist("image")
    assert [file.filename for file in files] == ["a.jpg", "b.jpg"]
    assert [uploaded_bytes(file) for file in files] == [tricky, b"second"]


@pytest.mark.parametrize("body", [
    form(("image", "a.jpg", b"\xff\xd8 a photo"), end=False),  # cut before the closing boundary
    b"--XXb0undary\r\nContent-Type: image/jpeg\r\n\r\nno disposition\r\n--XXb0undary--\r\n",
    b"not a form at all",
])
@BOTH_PATHS
def test_a_broken_form_is_no_form(body, caplog, request_class):
    request = parsed(body, request_class=request_class)
    assert not request.files and not request.form
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]  # the client's mistake


@pytest.mark.stores
def test_a_form_cut_short_is_refused_and_nothing_is_kept(app, client, astronaut_jpeg):
    body = form(("image", "a.jpg", astronaut_jpeg), end=False)
    answer = client.post("/api/v1/judge", data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}",
                         headers={"Accept-Language": "en"})
    assert answer.status_code == 400 and answer.json["error"]["code"] == "no_file"
    with app.extensions["hantei.store"].engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM results").scalar() == 0


def test_more_parts_than_a_form_may_have_is_a_413_that_says_so(client):
    body = form(*[("field", "x")] * 1001)
    answer = client.post("/api/v1/judge", data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}",
                         headers={"Accept-Language": "en"})
    assert answer.status_code == 413 and answer.json["error"]["code"] == "field_too_large"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # Connections kept alive, as an operator may set (--keep-alive): a body read ahead must leave the next request.
    server = Gunicorn(tmp_path_factory.mktemp("bodies"), workers=1, ratelimit="off",
                      env={"GUNICORN_CMD_ARGS": "--keep-alive 5 --worker-connections 1000"})
    yield server
    server.stop()


def request_bytes(body, boundary=BOUNDARY, close=False):
    return (f"POST /api/v1/judge HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nAccept-Language: en\r\n"
            + ("Connection: close\r\n" if close else "") + "\r\n").encode() + body


def answers(conn, count):
    """The status lines of count answers read from a kept-alive connection."""
    data, statuses = b"", []
    while len(statuses) < count:
        head, _, rest = data.partition(b"\r\n\r\n")
        if not _:
            chunk = conn.recv(65536)
            assert chunk, f"the server closed after {statuses}"
            data += chunk
            continue
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(
            b"content-length:")))
        while len(rest) < length:
            rest += conn.recv(65536)
        statuses.append(int(head.split(b" ")[1]))
        data = rest[length:]
    return statuses


def test_a_large_body_sent_in_pieces_arrives_whole(server):
    """Read into one buffer: a PNG of 2.4 MB sent in uneven pieces, with pauses, is judged (a byte out of place
    would break its checksums: a 400)."""
    message = request_bytes(form(("keep", "0"), ("image", "noise.png", noise_png())))
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as conn:
        at = 0
        for size in (300, 70_000, 1_000_000, 5, 400_000):
            conn.sendall(message[at:at + size])
            at += size
            time.sleep(0.05)
        conn.sendall(message[at:])
        assert answers(conn, 1) == [201]


def test_requests_sent_behind_an_upload_on_one_connection_are_all_answered(server):
    """What the client sent after the body (the next request on the connection) is not taken for the body."""
    photo = encoded(rgb("astronaut"), "JPEG")
    small = request_bytes(form(("judge", "nobody"), ("image", "a.jpg", b"\xff\xd8 small")))  # within one recv
    large = request_bytes(form(("keep", "0"), ("image", "a.jpg", photo)))
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as conn:
        conn.sendall(small + large + small + large + b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert answers(conn, 5) == [400, 201, 400, 201, 200]


def test_a_client_gone_mid_body_gets_a_400_and_its_connection_closed(server):
    message = request_bytes(form(("image", "noise.png", noise_png())))
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as conn:
        conn.sendall(message[:len(message) // 2])
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]


@pytest.mark.parametrize("body", [
    b"\r\n--XXb0undary\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\n\r\n--XXb0undary--\r\n",
    b"--XXb0undary\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\n\nphoto\n--XXb0undary--\n",
])
def test_what_only_werkzeug_reads_is_still_read(body):
    """An empty file without the CRLF before the boundary (werkzeug's test client), bare LF line breaks."""
    files = parsed(body).files
    assert [file.filename for file in files.getlist("image")] == ["a.jpg"]
    assert uploaded_bytes(files["image"]) in (b"", b"photo")


def test_a_part_name_that_is_not_utf8_is_a_400_on_either_path():
    """The fast path says so (bad_filename); werkzeug's own decoder takes such a part for none (no_file)."""
    body = (b"--XXb0undary\r\nContent-Disposition: form-data; name=\"image\"; filename=\"\xff\xfe.jpg\"\r\n"
            b"Content-Type: image/jpeg\r\n\r\nphoto\r\n--XXb0undary--\r\n")
    with pytest.raises(BadFormName):
        parsed(body).files  # noqa: B018
    assert not parsed(body, request_class=PublicRequest).files


def test_the_fast_path_checks_its_internals_at_start_up(make_app, monkeypatch, caplog, astronaut_jpeg):
    """With the pinned werkzeug and gunicorn every internal is there; without one, the public path serves (and the
    log says why), uploads and all."""
    from gunicorn.http.unreader import Unreader

    from hantei.web import fast_bodies
    from hantei.web.bodies import UploadRequest as PublicRequest
    from tests.photos import upload

    assert fast_bodies.missing() == [] and make_app().request_class is fast_bodies.FastUploadRequest
    monkeypatch.delattr(Unreader, "take_buffered")
    app = make_app()
    assert app.request_class is PublicRequest
    assert "gunicorn.http.unreader.Unreader.take_buffered()" in caplog.text
    response = upload(app.test_client(), astronaut_jpeg, path="/api/v1/judge")
    assert response.status_code == 201 and response.json["image"]["width"] == 512
