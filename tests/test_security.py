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


def test_the_share_target_takes_posts_from_the_installed_app_alone(client, astronaut_jpeg):
    """Another site's post to /share is refused in the visitor's language, and its answer writes no cookie: the
    browser sent none (SameSite=Lax), so one written would replace the visitor's and drop what they own."""
    own = client.post("/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")}).headers["Location"]
    stranger = client.application.test_client()  # another site's post: the browser sends no Lax cookie
    for headers in ({"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
                    {"Sec-Fetch-Site": "same-site"}, {"Origin": "https://evil.example"}, {"Origin": "null"}):
        refused = stranger.post("/share?lang=en", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")},
                                headers=headers)
        assert refused.status_code == 403, headers
        assert "installed app" in refused.text and "Set-Cookie" not in refused.headers, headers
    assert "インストール" in stranger.post("/share?lang=ja", headers={"Sec-Fetch-Site": "cross-site"}).text
    crossing = stranger.post("/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")},
                             headers={"Sec-Fetch-Site": "cross-site"})
    assert "Set-Cookie" not in crossing.headers  # whatever another site's post gets, it is never a new session
    for headers in ({"Sec-Fetch-Site": "none"}, {"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://localhost"}, {}):
        shared = client.post("/share", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")}, headers=headers)
        assert shared.status_code == 303, headers
        assert "delete-start" in client.get(shared.headers["Location"]).text  # the share sheet's post is owned…
    assert "delete-start" in client.get(own).text  # …beside what the visitor owned before


def test_every_answer_with_an_owner_token_is_private(client, astronaut_jpeg):
    own = client.post("/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")}).headers["Location"]
    first, later = client.get(own), client.get(own)
    assert "delete-start" in later.text  # a later owner view still carries the owner's delete token
    assert first.headers["Cache-Control"] == later.headers["Cache-Control"] == "private, no-store"
    assert "Cache-Control" not in client.application.test_client().get(own).headers  # a visitor's view may be kept
    api = client.post("/api/v1/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")})
    assert "token=" in api.json["delete_url"] and api.headers["Cache-Control"] == "private, no-store"
    album = client.post("/api/v1/albums", data={"image": [(io.BytesIO(astronaut_jpeg), "a.jpg"),
                                                          (io.BytesIO(astronaut_jpeg), "b.jpg")]})
    assert album.status_code == 201 and album.headers["Cache-Control"] == "private, no-store"
