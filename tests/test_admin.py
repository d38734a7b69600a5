"""The admin area's door: absent without a password, closed to anonymous requests, forged CSRF tokens and login
floods; its answers are private and its cookie strict."""

import re
from datetime import datetime, timedelta, timezone

import pytest

PASSWORD = "correct horse battery"
PAGES = ["/admin", "/admin/reports", "/admin/judges", "/admin/reports/AAAAAAAAAAAAAAAAAAAAAA/photo.jpg"]
ACTIONS = ["/admin/logout", "/admin/reports/AAAAAAAAAAAAAAAAAAAAAA", "/admin/training/AAAAAAAAAAAAAAAAAAAAAA/remove"]


@pytest.fixture
def guarded(make_app):
    """An instance with CSRF on and the admin password not set yet."""
    return make_app(WTF_CSRF_ENABLED=True)


def _set_password(app):
    result = app.test_cli_runner().invoke(args=["admin", "set-password"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output


def _token(client, path="/admin/login"):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def _login(client, password=PASSWORD):
    return client.post("/admin/login", data={"password": password, "csrf_token": _token(client)})


def test_without_a_password_the_admin_area_is_404(guarded):
    client = guarded.test_client()
    for path in [*PAGES, "/admin/", "/admin/login"]:
        assert client.get(path).status_code == 404, path
    for path in [*ACTIONS, "/admin/login"]:
        assert client.post(path).status_code == 404, path
    assert client.get("/admin").text == client.get("/admim").text.replace("/admim", "/admin")


def test_a_short_password_is_refused(guarded):
    result = guarded.test_cli_runner().invoke(args=["admin", "set-password"], input="short\nshort\n")
    assert result.exit_code != 0 and "12 characters" in result.output
    assert guarded.test_client().get("/admin/login").status_code == 404


def test_anonymous_requests_are_refused_everywhere(guarded):
    _set_password(guarded)
    client = guarded.test_client()
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 303 and response.headers["Location"].endswith("/admin/login"), path
    token = _token(client)
    for path in ACTIONS:
        assert client.post(path, data={"csrf_token": token}).status_code == 403, path


def test_login_sets_a_strict_private_cookie_and_logout_ends_it(guarded):
    _set_password(guarded)
    client = guarded.test_client()
    assert _login(client, "wrong password!").status_code == 401
    response = _login(client)
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/admin" in cookie and "Secure" not in cookie
    page = client.get("/admin")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store" and "noindex" in page.headers["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in page.text
    assert client.post("/admin/logout", data={"csrf_token": _token(client, "/admin")}).status_code == 303
    assert client.get("/admin").status_code == 303  # the old cookie's session is gone from the database


def test_the_cookie_is_secure_over_https(make_app):
    app = make_app(WTF_CSRF_ENABLED=True, WTF_CSRF_SSL_STRICT=False)
    _set_password(app)
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/admin/login", base_url="https://localhost").text).group(1)
    response = client.post("/admin/login", data={"password": PASSWORD, "csrf_token": token},
                           base_url="https://localhost")
    assert response.status_code == 303 and "Secure" in response.headers["Set-Cookie"]


def test_forged_csrf_tokens_are_refused(guarded):
    _set_password(guarded)
    client = guarded.test_client()
    assert client.post("/admin/login", data={"password": PASSWORD, "csrf_token": "forged"}).status_code == 400
    assert client.post("/admin/login", data={"password": PASSWORD}).status_code == 400
    assert _login(client).status_code == 303
    for path in ACTIONS:
        assert client.post(path, data={"csrf_token": "forged"}).status_code == 400, path
    assert client.get("/admin").status_code == 200  # still logged in: the forged posts changed nothing


def test_a_login_flood_is_slowed_even_with_the_right_password(guarded):
    _set_password(guarded)
    client = guarded.test_client()
    for _ in range(5):
        assert _login(client, "wrong password!").status_code == 401
    flooded = _login(client)
    assert flooded.status_code == 429 and int(flooded.headers["Retry-After"]) >= 1
    assert "Set-Cookie" not in flooded.headers or "hantei_admin" not in flooded.headers["Set-Cookie"]
    other = guarded.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.9"  # another client still gets in: the limit was per client
    assert _login(other).status_code == 303


def test_one_client_cannot_lock_the_operator_out(guarded):
    """70 refused logins from one client (and more from its IPv6 /64) leave the account open to another client."""
    _set_password(guarded)
    flood = guarded.test_client()
    flood.environ_base["REMOTE_ADDR"] = "203.0.113.66"
    answers = [_login(flood, "wrong password!").status_code for _ in range(70)]
    assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}
    for n in range(40):
        neighbour = guarded.test_client()
        neighbour.environ_base["REMOTE_ADDR"] = f"2001:db8::{n + 1:x}"
        assert _login(neighbour, "wrong password!").status_code == (401 if n < 5 else 429)
    operator = guarded.test_client()
    operator.environ_base["REMOTE_ADDR"] = "198.51.100.200"
    assert _login(operator).status_code == 303


def test_the_account_limit_holds_across_clients(guarded):
    _set_password(guarded)
    for n in range(100):
        client = guarded.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
        assert _login(client, "wrong password!").status_code == 401
    last = guarded.test_client()
    last.environ_base["REMOTE_ADDR"] = "198.51.100.1"
    assert _login(last).status_code == 429


def test_sessions_expire(guarded):
    access = guarded.extensions["hantei.cockpit"].access
    _set_password(guarded)
    token = access.open_session()
    assert access.valid(token)
    assert not access.valid(token, now=datetime.now(timezone.utc) + timedelta(hours=2))
    _set_password(guarded)  # a new password ends every session
    assert not access.valid(token)


def test_no_password_is_the_operators_until_one_is_set(guarded):
    """With none set, a password is checked against a dummy hash (made at the first check, not at each boot)."""
    access = guarded.extensions["hantei.cockpit"].access
    assert not access.check("") and not access.check(PASSWORD) and not access.check("not the password")
    _set_password(guarded)
    assert access.check(PASSWORD) and not access.check("not the password")


def test_admin_pages_speak_both_languages(guarded):
    _set_password(guarded)
    client = guarded.test_client()
    assert "パスワード" in client.get("/admin/login?lang=ja").text
    assert "Password" in client.get("/admin/login?lang=en").text


def test_the_login_flood_is_counted_across_servers_with_redis(make_app):
    """Two servers sharing one Redis limit storage share one count of login attempts."""
    from tests.servers import Redis

    redis = Redis()
    try:
        apps = [make_app(WTF_CSRF_ENABLED=True, RATELIMIT_STORAGE=redis.url) for _ in range(2)]
        _set_password(apps[0])
        for n in range(5):
            assert _login(apps[n % 2].test_client(), "wrong password!").status_code == 401
        assert _login(apps[1].test_client()).status_code == 429
    finally:
        redis.stop()
