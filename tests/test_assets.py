"""Static assets are served by the app itself, compressed, and cached long under a content-hashed URL."""

import re

from bs4 import BeautifulSoup


def asset_urls(client):
    page = BeautifulSoup(client.get("/").data, "html.parser")
    return [tag.get("href") or tag.get("src") for tag in page.find_all(["link", "script"])
            if (tag.get("href") or tag.get("src") or "").startswith(("/static/", "/bootstrap/"))]


def test_asset_urls_carry_a_content_hash(client):
    urls = asset_urls(client)
    assert len(urls) >= 3 and all(re.search(r"\?v=[0-9a-f]{12}$", url) for url in urls)


def test_assets_are_compressed_and_cached_for_a_year(client):
    for url in asset_urls(client):
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Cache-Control"]
        if url.split("?")[0].endswith((".css", ".js")):
            assert response.headers["Content-Encoding"] == "gzip"


def test_bootstrap_is_served_locally_and_small_on_the_wire(client):
    css = next(url for url in asset_urls(client) if "bootstrap.min.css" in url)
    plain = client.get(css).data
    compressed = client.get(css, headers={"Accept-Encoding": "br"})
    assert compressed.headers["Content-Encoding"] == "br"
    assert len(compressed.data) < len(plain) / 4
