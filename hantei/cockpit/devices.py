"""What kind of device or link-preview crawler a User-Agent names, decided when the request arrives and never kept."""

from functools import lru_cache

import user_agents

DEVICES = ("phone", "tablet", "desktop", "other")
# Link-preview crawlers whose card fetches show how far results travel, by a word their User-Agent carries.
# LINE's previews come from "line-poker" (its in-app browser says "Line/…" and is a person), and say
# facebookexternalhit too: hence LINE is looked for first.
CRAWLERS = (("line-poker", "LINE"), ("twitterbot", "Twitterbot"), ("facebookexternalhit", "facebookexternalhit"),
            ("discordbot", "Discordbot"), ("slackbot", "Slackbot"))


@lru_cache(maxsize=2048)
def device(user_agent):
    """phone, tablet, desktop, or other (bots, scripts, nothing said)."""
    parsed = user_agents.parse(user_agent or "")
    if parsed.is_bot or not user_agent:
        return "other"
    if parsed.is_tablet:
        return "tablet"
    if parsed.is_mobile:
        return "phone"
    return "desktop" if parsed.is_pc else "other"


def crawler(user_agent):
    """The link-preview crawler a User-Agent belongs to (one of CRAWLERS' names), or None for anyone else."""
    text = (user_agent or "").lower()
    return next((name for word, name in CRAWLERS if word in text), None)
