"""The app's services (judges, store, limits, capacity, cockpit…) kept on the app: the one place that reads them."""

from flask import current_app
from flask_babel import get_locale


def install(app, **services):
    """Keep services on the app under their names (the factory and init_app call this, nothing else writes them)."""
    for name, service in services.items():
        app.extensions[f"hantei.{name}"] = service


def service(name, app=None):
    """One service by name, of the given app or the current one."""
    return (app or current_app).extensions[f"hantei.{name}"]


def has(name, app=None):
    """Whether a service is installed yet (the ones made on first use: attempts)."""
    return f"hantei.{name}" in (app or current_app).extensions


def judges():
    """This app's judges (hantei.judges.Judges)."""
    return service("judges")


def store():
    """This app's store of results and their files (hantei.store.Store)."""
    return service("store")


def albums():
    """This app's albums (hantei.store.Albums), kept beside its results."""
    return store().albums


def limits():
    """What intake accepts (hantei.intake.Limits)."""
    return service("limits")


def capacity():
    """This worker's judging slots (hantei.web.throttle.Capacity)."""
    return service("capacity")


def cockpit():
    """This app's counters, operator access, reports and review (hantei.cockpit.Cockpit)."""
    return service("cockpit")


def lang():
    """The language of the page being answered ("ja" outside a request)."""
    return str(get_locale() or "ja")
