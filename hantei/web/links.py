"""Absolute links to pages, from HANTEI_PUBLIC_URL when set (behind a proxy), else from the request."""

from flask import current_app, url_for


def external(endpoint, **values):
    """An absolute URL for an endpoint, as share tags and the API need."""
    public = current_app.config.get("PUBLIC_URL")
    if public:
        return public + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
