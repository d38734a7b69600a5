"""The operator's cockpit: a simulated launch shows exactly its numbers on /admin and in flask stats (SQLite and
PostgreSQL), the database keeps no IP and no User-Agent, and reports flow through review into export."""

import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from tests.helpers import build_app
from tests.photos import upload

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")
ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 "
           "Mobile Safari/537.36")
DESKTOP = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 "
           "Safari/537.36")
CRAWLERS = {
    "Twitterbot": "Twitterbot/1.0",
    "facebookexternalhit": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Discordbot": "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "Slackbot": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "LINE": "facebookexternalhit/1.1;line-poker/1.0",
}
ADDRESSES = {IPHONE: "203.0.113.7", ANDROID: "198.51.100.23", DESKTOP: "192.0.2.44"}
PASSWORD = "correct horse battery"


@pytest.fixture
def launched(make_app, database_url, astronaut_jpeg):
    """An instance after a small launch: four uploads (one not kept, one deleted), views, taps, card fetches,
    a refusal and two reports; returns (app, the result ids by device)."""
    app = make_app(DATABASE_URL=database_url)
    visitors = {ua: app.test_client() for ua in (IPHONE, ANDROID, DESKTOP)}
    ids = {}
    for ua, client in visitors.items():
        client.environ_base.update(HTTP_USER_AGENT=ua, REMOTE_ADDR=ADDRESSES[ua])
        response = upload(client, astronaut_jpeg, **({"keep": "0"} if ua == DESKTOP else {}))
        assert response.status_code == 303
        ids[ua] = response.headers["Location"].rsplit("/", 1)[1]
        assert client.get(f"/r/{ids[ua]}").status_code == 200
    desktop = visitors[DESKTOP]
    gone = upload(desktop, astronaut_jpeg).headers["Location"].rsplit("/", 1)[1]
    assert desktop.post(f"/r/{gone}/delete").status_code == 200
    assert upload(desktop, b"").status_code == 400  # refused: empty
    first = ids[IPHONE]
    for target in ("x", "line", "copy", "sheet"):
        assert visitors[ANDROID].post(f"/r/{first}/shared?to={target}").status_code == 204
    for ua in CRAWLERS.values():
        assert app.test_client().get(f"/r/{first}/card.jpg", headers={"User-Agent": ua}).status_code == 200
    assert visitors[IPHONE].post(f"/r/{first}/report", data={"answer": "lower", "consent": "1"}).status_code == 303
    assert visitors[ANDROID].post(f"/r/{first}/report", data={"answer": "higher"}).status_code == 303
    return app, ids


EXPECTED = {
    "uploads": None,  # per hour: checked as a sum
    "devices": {"phone": 2, "tablet": 0, "desktop": 2, "other": 0},
    "views": {"views": 3},
    "shares": {"x": 1, "line": 1, "copy": 1, "sheet": 1},
    "cards": {name: 1 for name in CRAWLERS},
    "photos": {"uploads": 4, "not kept": 1, "deleted": 1, "reported": 2},
    "refusals": {"empty": 1},
}


def _admin(app):
    typed = f"{PASSWORD}\n{PASSWORD}\n"
    assert app.test_cli_runner().invoke(args=["admin", "set-password"], input=typed).exit_code == 0
    client = app.test_client()
    assert client.post("/admin/login", data={"password": PASSWORD}).status_code == 303
    return client


def _tables(html):
    page = BeautifulSoup(html, "html.parser")
    return {section["data-table"]: {cell["data-key"]: cell.text for cell in section.select("td[data-key]")}
            for section in page.select("section[data-table]") if not section.find_parent(class_="admin-accuracy")}


def test_a_simulated_launch_shows_its_numbers_on_the_dashboard_and_in_flask_stats(launched):
    app, ids = launched
    admin = _admin(app)
    page = admin.get("/admin?window=day")
    assert page.status_code == 200
    tables = _tables(page.text)
    for key, expected in EXPECTED.items():
        if expected is not None:
            assert {k: int(v) for k, v in tables[key].items()} == expected, key
    assert sum(int(v) for v in tables["uploads"].values()) == 4
    assert sum(int(v) for v in tables["verdicts"].values()) == 4
    assert "<svg" in page.text and page.text.count('class="chart"') >= 4
    assert int(tables["timing"]["p50"]) <= int(tables["timing"]["p95"])
    accuracy = BeautifulSoup(page.text, "html.parser").select_one('.admin-accuracy[data-judge="keshikaran"]')
    numbers = {cell["data-key"]: cell.text for cell in accuracy.select("td[data-key]")}
    assert numbers["uploads"] == "4" and numbers["reported"] == "1" and numbers["share"] == "25.0%"

    printed = app.test_cli_runner().invoke(args=["stats", "--days", "1"], env={"LANG": "en_US.UTF-8"})
    assert printed.exit_code == 0, printed.output
    blocks = _blocks(printed.output)
    assert blocks["Devices"] == {k: str(v) for k, v in EXPECTED["devices"].items()}
    assert blocks["Share taps"] == {"x": "1", "line": "1", "copy": "1", "sheet": "1"}
    assert blocks["Card fetches by link-preview crawlers"] == {k: "1" for k in CRAWLERS}
    assert blocks["Photos"] == {"uploads": "4", "not kept": "1", "deleted": "1", "reported": "2"}
    assert blocks["Refusals by reason"] == {"empty": "1"}
    assert blocks["Result page views"] == {"views": "3"}
    assert sum(int(v) for v in blocks["Uploads per hour"].values()) == 4
    assert blocks["Reported wrong: keshikaran"] == {"uploads": "4", "reported": "1", "share": "25.0%"}


def _blocks(output):
    """flask stats' tables: {title: {name: value}} (a table without rows shows "-")."""
    blocks = {}
    for block in output.split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip() and not line.startswith("since")]
        if lines:
            blocks[lines[0]] = dict(line.strip().rsplit(None, 1) for line in lines[1:] if line.strip() != "-")
    return blocks


def test_the_database_keeps_no_ip_address_and_no_user_agent(launched):
    app, _ = launched
    engine = app.extensions["hantei.store"].engine
    dump = []
    with engine.connect() as connection:
        for table in sa.inspect(connection).get_table_names():
            for row in connection.execute(sa.text(f"SELECT * FROM {table}")):
                dump.extend(str(value) for value in row)
    text = "\n".join(dump)
    assert text  # the launch left rows to scan
    for secret in [*ADDRESSES, *ADDRESSES.values(), *CRAWLERS.values(), "127.0.0.1", "Mozilla", "AppleWebKit"]:
        assert secret not in text


def test_one_report_per_visitor_and_only_the_uploader_may_consent(launched, astronaut_jpeg):
    app, ids = launched
    iphone = app.test_client()
    iphone.environ_base.update(HTTP_USER_AGENT=IPHONE)
    stranger = app.test_client()
    target = ids[ANDROID]
    assert stranger.post(f"/r/{target}/report", data={"answer": "lower", "consent": "1"}).status_code == 303
    assert stranger.post(f"/r/{target}/report", data={"answer": "higher"}).status_code == 409
    assert stranger.post(f"/r/{target}/report", data={"answer": "banana"}).status_code == 400
    assert "consent" not in stranger.get(f"/r/{target}/report").text.split("<form", 1)[-1]
    reported = app.extensions["hantei.cockpit"].reports.one(target)
    assert reported.answers == {"lower": 1} and reported.consent is False
    assert stranger.post(f"/r/{target}/shared?to=mastodon").status_code == 400


def test_review_accepts_into_the_training_area_and_exports_it(launched, tmp_path):
    app, ids = launched
    admin = _admin(app)
    queue = admin.get("/admin/reports")
    assert f'class="admin-report" data-result="{ids[IPHONE]}"' in queue.text
    assert "lower: 1" in queue.text and "higher: 1" in queue.text
    photo = admin.get(f"/admin/reports/{ids[IPHONE]}/photo.jpg")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert admin.post(f"/admin/reports/{ids[IPHONE]}", data={"decision": "accept", "label": "0"}).status_code == 303
    assert f'class="admin-report" data-result="{ids[IPHONE]}"' not in admin.get("/admin/reports").text
    app.extensions["hantei.store"].delete(ids[IPHONE])  # the result expires: the accepted photo outlives it
    out = tmp_path / "exported"
    result = app.test_cli_runner().invoke(args=["reports", "export", str(out)])
    assert result.exit_code == 0 and "wrote 1 photo" in result.output
    assert (out / "0" / f"{ids[IPHONE]}.jpg").read_bytes()[:2] == b"\xff\xd8"
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance[0]["result_id"] == ids[IPHONE] and provenance[0]["answers"] == {"lower": 1, "higher": 1}
    page = admin.get("/admin?window=day")
    confusion = BeautifulSoup(page.text, "html.parser").select_one('section[data-table="confusion"]')
    assert confusion.select_one("td").text == "1" and "→ 0" in confusion.text
    assert admin.post(f"/admin/training/{ids[IPHONE]}/remove").status_code == 303
    assert app.test_cli_runner().invoke(args=["reports", "export", str(tmp_path / "again")]).output.startswith(
        "wrote 0 photos")


def test_a_report_without_consent_keeps_no_photo(launched, tmp_path):
    app, ids = launched
    stranger = app.test_client()
    target = ids[ANDROID]
    stranger.post(f"/r/{target}/report", data={"answer": "lower"})
    admin = _admin(app)
    admin.post(f"/admin/reports/{target}", data={"decision": "accept", "label": "0"})
    assert app.test_cli_runner().invoke(args=["reports", "export", str(tmp_path / "x")]).output.startswith(
        "wrote 0 photos")
    assert not list((tmp_path / "training").rglob("*.jpg"))


def test_counters_add_up_across_servers(make_app, tmp_path, database_url):
    """Two apps on one database (two servers) add to the same hourly rows."""
    apps = [make_app(DATA_DIR=tmp_path / name, DATABASE_URL=database_url) for name in ("a", "b")]
    for app in apps:
        for _ in range(3):
            app.extensions["hantei.cockpit"].counters.add("share", "x", "keshikaran")
    totals = apps[0].extensions["hantei.cockpit"].counters.totals(datetime.now(timezone.utc) - timedelta(hours=1))
    assert totals["share"] == {"x": 6}


def test_one_batch_may_count_the_same_event_twice(make_app, database_url):
    """add_many is one executemany of one upsert: a repeat within it adds up (one multi-row statement would not)."""
    app = make_app(DATABASE_URL=database_url)
    counters = app.extensions["hantei.cockpit"].counters
    counters.add_many([("verdict", "megane", "tagger"), ("verdict", "megane", "tagger"), ("verdict", "face", "tagger")])
    counters.add_many([("verdict", "megane", "tagger")], n=2)
    totals = counters.totals(datetime.now(timezone.utc) - timedelta(hours=1))
    assert totals["verdict"] == {"megane": 4, "face": 1}


def test_counters_older_than_400_days_are_pruned(make_app, database_url):
    app = make_app(DATABASE_URL=database_url)
    counters = app.extensions["hantei.cockpit"].counters
    now = datetime.now(timezone.utc)
    counters.add("upload", "", "keshikaran", at=now - timedelta(days=401))
    counters.add("upload", "", "keshikaran", at=now - timedelta(days=399))
    assert app.test_cli_runner().invoke(args=["purge"]).exit_code == 0
    assert counters.totals(now - timedelta(days=500)) == {"upload": {"": 1}}


def test_the_dashboard_filters_by_judge_and_window(launched):
    app, _ = launched
    admin = _admin(app)
    assert _tables(admin.get("/admin?window=month&judge=keshikaran").text)["shares"] == \
        {"x": "1", "line": "1", "copy": "1", "sheet": "1"}
    assert _tables(admin.get("/admin?window=week&judge=nobody").text)["photos"]["uploads"] == "4"  # unknown: all
    app.extensions["hantei.cockpit"].counters.add("upload", "", "other-judge")
    assert _tables(admin.get("/admin?window=day&judge=other-judge").text)["photos"]["uploads"] == "1"


def test_reports_are_rate_limited_per_client(make_app, astronaut_jpeg):
    app = make_app()
    result_ids = [upload(app.test_client(), astronaut_jpeg).headers["Location"].rsplit("/", 1)[1] for _ in range(7)]
    answers = [app.test_client().post(f"/r/{result_id}/report", data={"answer": "higher"}).status_code
               for result_id in result_ids for _ in range(3)]  # 21 visitors behind one address, 3 on each result
    assert answers == [303] * 20 + [429]


def test_the_admin_sees_a_sensitive_photo_blurred_until_revealed(make_app):
    from hantei.records import Judgement
    from tests.photos import encoded, rgb

    app = make_app()
    clear = encoded(rgb("astronaut"), "JPEG", quality=90)
    judgement = Judgement("keshikaran", "score", 0.9, {"ja": "けしからん", "en": "Naughty"}, True, [], [],
                          {"total": 10.0})
    record = app.extensions["hantei.store"].save(judgement, (512, 512), clear)
    app.extensions["hantei.cockpit"].reports.file(record, "lower", "someone", consent=True)
    admin = _admin(app)
    blurred = admin.get(f"/admin/reports/{record.id}/photo.jpg").data
    assert blurred[:2] == b"\xff\xd8" and blurred != clear
    assert admin.get(f"/admin/reports/{record.id}/photo.jpg?clear=1").data == clear
    assert app.test_client().get(f"/admin/reports/{record.id}/photo.jpg?clear=1").status_code == 303  # anonymous


def _instance(tmp_path, database_url):
    return build_app(DATA_DIR=tmp_path, DATABASE_URL=database_url)


def _visitor(app, address, agent=IPHONE):
    client = app.test_client()
    client.environ_base.update(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    return client


def _accepted_with_consent(app, astronaut_jpeg):
    """A result whose uploader consented to training, accepted by the operator: (uploader's client, its id)."""
    owner = _visitor(app, "203.0.113.7")
    target = upload(owner, astronaut_jpeg).headers["Location"].rsplit("/", 1)[1]
    assert owner.post(f"/r/{target}/report", data={"answer": "lower", "consent": "1"}).status_code == 303
    assert _visitor(app, "198.51.100.23").post(f"/r/{target}/report", data={"answer": "higher"}).status_code == 303
    assert _admin(app).post(f"/admin/reports/{target}", data={"decision": "accept", "label": "0"}).status_code == 303
    return owner, target


def test_deleting_a_result_deletes_its_training_copy_and_its_reports(tmp_path, database_url, astronaut_jpeg):
    app = _instance(tmp_path, database_url)
    owner, target = _accepted_with_consent(app, astronaut_jpeg)
    cockpit = app.extensions["hantei.cockpit"]
    assert list((tmp_path / "training").rglob(f"{target}.jpg"))
    deleted = owner.post(f"/r/{target}/delete?lang=en")
    assert deleted.status_code == 200 and "everything kept about it" in deleted.text
    assert not list((tmp_path / "training").rglob("*.jpg"))
    assert cockpit.reports.one(target) is None and not cockpit.review.decided()
    assert target not in _admin(app).get("/admin/reports").text


def test_the_owner_can_take_back_consent_from_the_result_page(tmp_path, database_url, astronaut_jpeg):
    app = _instance(tmp_path, database_url)
    owner, target = _accepted_with_consent(app, astronaut_jpeg)
    cockpit = app.extensions["hantei.cockpit"]
    page = BeautifulSoup(owner.get(f"/r/{target}").text, "html.parser")
    action = page.select_one("form.withdraw-consent")["action"]
    assert _visitor(app, "192.0.2.44").post(action).status_code == 403  # only the uploader
    assert list((tmp_path / "training").rglob(f"{target}.jpg"))
    assert owner.post(action).status_code == 303
    assert not list((tmp_path / "training").rglob("*.jpg")) and cockpit.reports.one(target).consent is False
    assert not BeautifulSoup(owner.get(f"/r/{target}").text, "html.parser").select_one("form.withdraw-consent")
    cockpit.review.decide(target, True, "0")  # accepted again: without consent, no photo is kept
    assert not list((tmp_path / "training").rglob("*.jpg"))


def test_views_and_cards_count_once_per_visitor_an_hour(tmp_path, database_url, astronaut_jpeg):
    app = _instance(tmp_path, database_url)
    target = upload(_visitor(app, "203.0.113.7"), astronaut_jpeg).headers["Location"].rsplit("/", 1)[1]
    for address in ("198.51.100.23", "198.51.100.23", "198.51.100.23", "192.0.2.44", "2001:db8::1", "2001:db8::2"):
        assert _visitor(app, address).get(f"/r/{target}").status_code == 200
    for _ in range(3):
        assert _visitor(app, "198.51.100.9", CRAWLERS["Twitterbot"]).get(f"/r/{target}/card.jpg").status_code == 200
    assert _visitor(app, "198.51.100.9", CRAWLERS["Discordbot"]).get(f"/r/{target}/card.jpg").status_code == 200
    totals = app.extensions["hantei.cockpit"].counters.totals(datetime.now(timezone.utc) - timedelta(hours=1))
    assert totals["view"] == {"": 3} and totals["card"] == {"Twitterbot": 1, "Discordbot": 1}
    storage = app.extensions["hantei.attempts"].storage
    assert not [key for key in storage.events if "198.51.100" in key or "2001:db8" in key]  # only keyed hashes


def test_share_taps_count_from_our_own_pages_alone(tmp_path, database_url, astronaut_jpeg):
    app = _instance(tmp_path, database_url)
    target = upload(_visitor(app, "203.0.113.7"), astronaut_jpeg).headers["Location"].rsplit("/", 1)[1]
    tapper = _visitor(app, "198.51.100.23")
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                    {"Origin": "https://evil.example"}):
        assert tapper.post(f"/r/{target}/shared?to=x", headers=headers).status_code == 403
    assert tapper.post(f"/r/{target}/shared?to=x", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 204
    totals = app.extensions["hantei.cockpit"].counters.totals(datetime.now(timezone.utc) - timedelta(hours=1))
    assert totals["share"] == {"x": 1}


def test_reports_are_limited_per_result_and_per_client(tmp_path, database_url, astronaut_jpeg):
    app = _instance(tmp_path, database_url)
    first = upload(app.test_client(), astronaut_jpeg).headers["Location"].rsplit("/", 1)[1]
    answers = [app.test_client().post(f"/r/{first}/report", data={"answer": "higher"}).status_code
               for _ in range(4)]  # four visitors (fresh sessions) behind one address
    assert answers == [303] * 3 + [429]
    assert _visitor(app, "198.51.100.23").post(f"/r/{first}/report", data={"answer": "lower"}).status_code == 303
    assert app.extensions["hantei.cockpit"].reports.one(first).answers == {"higher": 3, "lower": 1}
