"""What a visitor's session remembers they own: the tokens of their last results and albums."""

from flask import session

KEPT = {"owned": 20, "albums": 10}  # how many of a visitor's own results, and albums, the session cookie remembers


def remember(kind, item_id, token):
    """Keep an owner token in the session ("owned" for results, "albums"), dropping the oldest past the limit."""
    owned = dict(list(session.get(kind, {}).items())[-(KEPT[kind] - 1):])
    owned[item_id] = token
    session[kind] = owned


def token(kind, item_id):
    """The owner token the session holds for a result or album, or None."""
    return session.get(kind, {}).get(item_id)


def forget(kind, item_id):
    session[kind] = {key: value for key, value in session.get(kind, {}).items() if key != item_id}


def owns(kind, item_id):
    return item_id in session.get(kind, {})
