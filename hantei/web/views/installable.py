"""Add to home screen: the web app manifest (with Android's share target), its icons, the service worker and the
page it shows offline."""

from flask import Blueprint, current_app, render_template, send_from_directory
from flask_babel import gettext

from ...services import lang
from ...share.cards import site_icon

bp = Blueprint("installable", __name__)
ICON_SIZES = (192, 512)


@bp.get("/manifest.webmanifest")
def manifest():
    """What a phone needs to install hantei, and the share target that sends gallery photos to /share."""
    body = {
        "name": current_app.config["SITE_NAME"] + " 判定",
        "short_name": current_app.config["SITE_NAME"],
        "description": gettext(
            "Upload a photo from your phone and get a verdict from an image classifier, with a link to share."),
        "lang": lang(),
        "start_url": "/",
        "scope": "/",
        "id": "/",
        "display": "standalone",
        "background_color": "#f4f5fa",
        "theme_color": "#1f2a44",
        "icons": [{"src": f"/icons/{size}.png", "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
                  for size in ICON_SIZES]
        + [{"src": "/icons/512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"}],
        "share_target": {
            "action": "/share",
            "method": "POST",
            "enctype": "multipart/form-data",
            "params": {"files": [{"name": "image", "accept": ["image/*", ".jpg", ".jpeg", ".png", ".webp",
                                                               ".gif", ".heic", ".heif", ".avif"]}]},
        },
    }
    response = current_app.response_class(current_app.json.dumps(body), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/icons/<int:size>.png")
def icon(size):
    if size not in ICON_SIZES:
        return gettext("There is no result at this address."), 404
    response = current_app.response_class(site_icon(size), mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=604800"
    return response


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from the root so that its scope is the whole site."""
    response = send_from_directory(current_app.static_folder, "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def offline():
    """What the service worker shows when the phone has no connection: one page in both languages."""
    return render_template("offline.html")
