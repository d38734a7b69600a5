"""Sharing: a result's link unfolds into a card (checked as a crawler parses it), its buttons, robots.txt."""

import io
import re
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import metadata_parser
import numpy as np
import pytest
import requests
import sqlalchemy as sa
import tldextract
from protego import Protego
from bs4 import BeautifulSoup
from fontTools.ttLib import TTFont
from PIL import Image

from hantei import config
from hantei.share import cards as share
from tests.photos import result_url, rgb
from tests.servers import Gunicorn, Nginx

PUBLIC = "https://hantei.example"


@pytest.fixture(autouse=True)
def offline_suffix_list(monkeypatch):
    """metadata_parser checks domains with tldextract: use the suffix list it ships instead of downloading one."""
    monkeypatch.setattr(metadata_parser.tldextract, "extract", tldextract.TLDExtract(suffix_list_urls=()))


def crawl(client, path, **headers):
    """The page as a link-preview crawler reads it: OpenGraph and Twitter tags parsed by metadata_parser."""
    html = client.get(path, headers=headers).data.decode()
    return metadata_parser.MetadataParser(html=html, url=PUBLIC + path, search_head_only=True)


@pytest.fixture
def public_app(make_app):
    return make_app(PUBLIC_URL=PUBLIC)


def test_result_link_passes_the_x_card_rules(public_app, astronaut_jpeg):
    client = public_app.test_client()
    location = result_url(client, astronaut_jpeg)
    parsed = crawl(client, location)
    og, twitter = parsed.parsed_result.metadata["og"], parsed.parsed_result.metadata["twitter"]
    assert og["type"] == "website" and og["url"] == PUBLIC + location
    assert og["title"] == "健全 — けしからん判定" and twitter["title"] == og["title"]
    assert all(words in og["description"] for words in ("健全", "けしからん度 0%", "#けしからん判定"))
    assert twitter["card"] == "summary_large_image"
    assert all(urlsplit(og[key]).scheme == "https" for key in ("url", "image")) and urlsplit(twitter["image"]).netloc
    image = parsed.get_metadata_link("image", strategy=["og"], require_public_global=False)
    assert image == og["image"] == twitter["image"] and image.startswith(PUBLIC + location + "/card.jpg?")
    assert og["image:alt"] and (og["image:width"], og["image:height"]) == ("1200", "630")

    fetched = client.get(image.removeprefix(PUBLIC))
    assert fetched.status_code == 200 and fetched.mimetype == "image/jpeg"
    assert len(fetched.data) < 1024 * 1024  # X allows 5 MB; a card stays well under 1 MB
    card = Image.open(io.BytesIO(fetched.data))
    assert card.format == "JPEG" and card.size == (1200, 630)  # not SVG, about 2:1 (1.9)
    assert not card.getexif()
    assert "public" in fetched.headers["Cache-Control"]
    assert fetched.cache_control.max_age >= 7 * 86400


def test_english_page_shares_an_english_card(public_app, astronaut_jpeg):
    client = public_app.test_client()
    location = result_url(client, astronaut_jpeg)
    english = crawl(client, location, **{"Accept-Language": "en"}).parsed_result
    assert english.metadata["og"]["url"] == PUBLIC + location + "?lang=en"
    assert english.metadata["og"]["title"] == "Wholesome — Naughtiness judge"
    japanese_card = client.get(crawl(client, location).parsed_result.metadata["og"]["image"].removeprefix(PUBLIC)).data
    english_card = client.get(english.metadata["og"]["image"].removeprefix(PUBLIC)).data
    assert japanese_card != english_card
    # Crawlers send no language: the shared English link alone must give the English card.
    assert crawl(client, location + "?lang=en").parsed_result.metadata["og"]["image"] == english.metadata["og"]["image"]


def test_absolute_urls_follow_the_proxy_only_when_told(make_app, tmp_path, astronaut_jpeg):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "judge.example.jp"}
    behind = make_app(DATA_DIR=tmp_path / "a", PROXY_FIX=1, ALLOWED_HOSTS="judge.example.jp,localhost").test_client()
    location = result_url(behind, astronaut_jpeg)
    tags = BeautifulSoup(behind.get(location, headers=forwarded).data, "html.parser")
    assert tags.find("meta", property="og:url")["content"] == "https://judge.example.jp" + location
    assert tags.find("meta", property="og:image")["content"].startswith("https://judge.example.jp/r/")

    direct = make_app(DATA_DIR=tmp_path / "b").test_client()
    location = result_url(direct, astronaut_jpeg)
    tags = BeautifulSoup(direct.get(location, headers=forwarded).data, "html.parser")
    assert tags.find("meta", property="og:url")["content"] == "http://localhost" + location


@pytest.mark.stores
def test_card_is_drawn_once_and_again_when_the_result_changes(app, client, astronaut_jpeg):
    location = result_url(client, astronaut_jpeg)
    result_id = location.rsplit("/", 1)[1]
    store = app.extensions["hantei.store"]
    first_url = BeautifulSoup(client.get(location).data, "html.parser").find("meta", property="og:image")["content"]
    first = client.get(first_url).data
    assert client.get(first_url).data == first
    cards = [p for p in store.files(result_id) if ".card-ja." in p]
    assert len(cards) == 1

    with store.engine.begin() as connection:
        connection.execute(sa.text("update results set verdict_ja = 'とても健全' where id = :id"), {"id": result_id})
    second_url = BeautifulSoup(client.get(location).data, "html.parser").find("meta", property="og:image")["content"]
    assert second_url != first_url
    assert client.get(second_url).data != first
    assert [p for p in store.files(result_id) if ".card-ja." in p] != cards  # the old card is gone
    assert len([p for p in store.files(result_id) if ".card-ja." in p]) == 1


def test_card_font_draws_every_verdict_of_every_judge():
    """Japanese must never come out as empty boxes: the shipped font has every character the judges say."""
    path = Path(str(share.resources.files(share.FONT_PACKAGE).joinpath(share.FONT_FILE)))
    covered = TTFont(path, lazy=True).getBestCmap()
    def strings(value):
        if isinstance(value, str):
            return [value]
        if isinstance(value, dict):
            value = list(value.values())
        return [text for item in value for text in strings(item)] if isinstance(value, list) else []

    texts = ["スコア", "センシティブな写真のため、ぼかしています", "判定 hantei · hantei.example"]
    manifests = sorted(Path(config.from_environment()["MODELS_DIR"]).glob("*/judge.toml"))
    assert manifests
    for path in manifests:
        manifest = tomllib.loads(path.read_text(encoding="utf-8"))
        texts += strings(manifest["title"]) + strings(manifest["verdict"])  # what a card can say
    missing = {c for text in texts for c in text if ord(c) not in covered}
    assert not missing


def test_verdict_is_drawn_large_in_the_text_half():
    """The card's words are really drawn: more ink where a longer verdict is, in both languages."""
    def ink(verdict):
        text = share.CardText(judge="", verdict=verdict, score=0.5, score_label="", site="")
        card = Image.open(io.BytesIO(share.render(text))).convert("L").crop((share.PHOTO_WIDTH, 90, 1200, 290))
        return int((np.asarray(card) > 128).sum())

    assert ink("大変けしからん") > 2000 and ink("健全") > 2000 and ink("") < 100
    assert ink("Outrageously naughty") > 2000 and ink("Naughty") > 2000


def test_crop_keeps_the_regions_in_frame():
    # A wide photo with a face at its right edge: the tall crop moves right to keep it.
    box = share.crop_box((2000, 500), [[1800, 100, 150, 150]], 500 / 630)
    assert box[2] - box[0] == pytest.approx(500 * 500 / 630, abs=1) and box[3] - box[1] == 500
    assert box[0] <= 1800 and box[2] >= 1950
    # Nothing found: the middle, a little above centre on a tall photo.
    assert share.crop_box((1000, 3000), [], 1.0) == (0, 700, 1000, 1700)


@pytest.mark.stores
def test_share_buttons_need_no_third_party_script(client, astronaut_jpeg):
    page = BeautifulSoup(client.get(result_url(client, astronaut_jpeg)).data, "html.parser")
    page_url = page.find(id="share-url")["value"]
    x = urlsplit(page.find(id="share-x")["href"])
    assert x.netloc == "twitter.com" and x.path == "/intent/tweet"
    query = parse_qs(x.query)
    assert query["url"] == [page_url] and query["hashtags"] == ["けしからん判定"] and "健全" in query["text"][0]
    line = urlsplit(page.find(id="share-line")["href"])
    assert line.netloc == "social-plugins.line.me" and parse_qs(line.query)["url"] == [page_url]
    assert page.find(id="share-native") and page.find(id="copy-link")
    scripts = page.find_all("script")
    assert scripts and all(s.get("src", "").startswith("/static/") and not s.string for s in scripts)
    assert not page.select("[style]")
    assert not [tag for tag in page.find_all(True) if any(name.startswith("on") for name in tag.attrs)]


def test_robots_let_link_previews_in_and_search_engines_out(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    robots = Protego.parse(response.data.decode())  # Google's rules: longest match, "$" ends a path
    result = "https://hantei.example/r/" + "A" * 22
    for bot in ["Twitterbot", "facebookexternalhit", "Discordbot", "Slackbot-LinkExpanding", "Slackbot", "Line"]:
        assert robots.can_fetch(result, bot) and robots.can_fetch(result + "/card.jpg?lang=ja&v=1", bot), bot
        assert not robots.can_fetch("https://hantei.example/api/v1/judges", bot), bot
    for bot in ["Googlebot", "bingbot", "DuckDuckBot", "archive.org_bot", "GPTBot", "*"]:
        assert not robots.can_fetch(result, bot) and not robots.can_fetch(result + "/card.jpg", bot), bot
        assert not robots.can_fetch("https://hantei.example/lang/en?next=/", bot), bot
        assert robots.can_fetch("https://hantei.example/", bot), bot  # the upload page alone may be found


@pytest.mark.stores
def test_every_image_a_page_points_at_exists(client, astronaut_jpeg):
    page = BeautifulSoup(client.get(result_url(client, astronaut_jpeg)).data, "html.parser")
    for img in page.find_all("img"):
        assert client.get(img["src"]).mimetype == "image/jpeg"
    assert re.fullmatch(r"/r/[\w-]{22}/photo\.jpg", page.find("img")["src"])
    assert rgb("astronaut").size == Image.open(io.BytesIO(client.get(page.find("img")["src"]).data)).size


def test_a_crawler_through_nginx_gets_public_tags_and_one_cache_policy(tmp_path, astronaut_jpeg):
    """The shipped nginx site in front of gunicorn: what Twitterbot fetches, from the first byte to the card."""
    app = Gunicorn(tmp_path, workers=1, proxy_fix=1, ratelimit="off", allowed_hosts="hantei.example,127.0.0.1")
    proxy = Nginx(app)
    try:
        public = f"hantei.example:{proxy.port}"
        headers = {"Host": public, "User-Agent": "Twitterbot/1.0"}
        body = requests.post(proxy.url + "/api/v1/judge", files={"image": ("a.jpg", astronaut_jpeg)},
                             headers=headers).json()
        robots = Protego.parse(requests.get(proxy.url + "/robots.txt", headers=headers).text)
        assert robots.can_fetch(body["url"], "Twitterbot")
        page = requests.get(proxy.url + urlsplit(body["url"]).path, headers=headers)
        tags = metadata_parser.MetadataParser(html=page.text, url=body["url"], search_head_only=True)
        image = tags.parsed_result.metadata["og"]["image"]
        assert image.startswith(f"http://{public}/r/{body['id']}/card.jpg?")
        card = requests.get(proxy.url + image.removeprefix(f"http://{public}"), headers=headers)
        assert card.status_code == 200 and card.headers["Content-Type"] == "image/jpeg"
        assert Image.open(io.BytesIO(card.content)).size == (1200, 630)
        assert card.raw.headers.getlist("Cache-Control") == [card.headers["Cache-Control"]]  # exactly one
        assert "public" in card.headers["Cache-Control"]
    finally:
        proxy.stop()
        app.stop()
