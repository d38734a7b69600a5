"""Forms carry CSRF tokens, every response carries strict security headers, pages have no inline code."""

import io

import pytest
from bs4 import BeautifulSoup


@pytest.fixture
def guarded(make_app):
    """An app with CSRF protection on, as in production."""
    return make_app(WTF_CSRF_ENABLED=True)


def token_from(client, path="/"):
    return BeautifulSoup(client.get(path).data, "html.parser").find("input", attrs={"name": "csrf_token"})["value"]


def test_headers_on_pages_and_api(client):
    for path in ["/", "/api/v1/judges", "/r/" + "A" * 22]:
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.stores
def test_pages_have_no_inline_script_or_style(client, astronaut_jpeg):
    result = client.post("/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")}).headers["Location"]
    for path in ["/", result]:
        page = BeautifulSoup(client.get(path).data, "html.parser")
        assert all(script.get("src") for script in page.find_all("script"))
        assert not page.find_all("style")
        assert not [tag for tag in page.find_all(True) if "style" in tag.attrs]
        assert not [tag for tag in page.find_all(True) if any(a.startswith("on") for a in tag.attrs)]


def test_upload_form_needs_its_csrf_token(guarded, astronaut_jpeg):
    client = guarded.test_client()
    refused = client.post("/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")})
    assert refused.status_code == 400 and "期限切れ" in refused.data.decode()
    accepted = client.post("/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg"),
                                           "csrf_token": token_from(client)})
    assert accepted.status_code == 303


def test_owner_delete_needs_csrf_but_delete_link_does_not(guarded, astronaut_jpeg):
    client = guarded.test_client()
    location = client.post("/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg"),
                                           "csrf_token": token_from(client)}).headers["Location"]
    assert client.post(location + "/delete").status_code == 400
    assert client.post(location + "/delete", data={"csrf_token": token_from(client, location)}).status_code == 200
    body = guarded.test_client().post("/api/v1/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")}).json
    assert guarded.test_client().post(body["delete_url"]).status_code == 200


def test_api_needs_no_csrf_token(guarded, astronaut_jpeg):
    response = guarded.test_client().post("/api/v1/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")})
    assert response.status_code == 201


def test_cookies_are_secure_behind_https(make_app, astronaut_jpeg):
    app = make_app(PUBLIC_URL="https://hantei.example")
    response = app.test_client().post("/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")})
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
