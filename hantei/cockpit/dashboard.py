"""The launch at a glance: the counters of a window (day, week, month), per judge or all, as titled tables that
the admin page draws (with charts) and flask stats prints."""

from dataclasses import dataclass, field
from datetime import timedelta, timezone

from ..i18n import _l
from .counters import hour_of, percentile
from .devices import CRAWLERS, DEVICES

WINDOWS = {"day": 1, "week": 7, "month": 30}
SHARE_TARGETS = ("x", "line", "copy", "sheet")
# How the fixed row keys read (the key itself stays the table's data-key and stats' machine-readable name).
ROW_NAMES = {"phone": _l("Phones"), "tablet": _l("Tablets"), "desktop": _l("Desktops"), "other": _l("Other"),
             "views": _l("Views"), "uploads": _l("Uploads"), "not kept": _l("Photo not kept"),
             "deleted": _l("Deleted"), "reported": _l("Reported wrong"), "share": _l("Share of uploads"),
             "x": "X", "line": "LINE", "copy": _l("Copy link"), "sheet": _l("Share sheet")}


@dataclass
class Table:
    """Numbers with a title: rows of (name, count); chart says whether a bar chart goes with them."""

    key: str
    title: str
    rows: list = field(default_factory=list)
    chart: bool = True


def window(days, now=None):
    """Where a window of days starts: the hour that many days before the current one."""
    return hour_of(now) - timedelta(days=days) + timedelta(hours=1)


def timeline(counters, since, days, judge, now=None):
    """Uploads per hour (one day) or per day (longer), every slot shown even when empty."""
    hourly = counters.hourly("upload", since, judge)
    now_hour = hour_of(now)
    if days <= 1:
        slots = [since + timedelta(hours=n) for n in range(int((now_hour - since).total_seconds() // 3600) + 1)]
        return [(slot.strftime("%m-%d %H:00"), hourly.get(slot, 0)) for slot in slots]
    per_day = {}
    for hour, n in hourly.items():
        per_day[hour.date()] = per_day.get(hour.date(), 0) + n
    first = since.date()
    return [(str(first + timedelta(days=d)), per_day.get(first + timedelta(days=d), 0))
            for d in range((now_hour.date() - first).days + 1)]


def tables(counters, days, judge=None, now=None):
    """Every table of the dashboard for the last `days` days (titles in English, translated when shown)."""
    since = window(days, now)
    totals = counters.totals(since, judge=judge)
    pick = lambda event, keys: [(k, totals.get(event, {}).get(k, 0)) for k in keys]  # noqa: E731
    rest = lambda event: sorted(totals.get(event, {}).items(), key=lambda kv: (-kv[1], kv[0]))  # noqa: E731
    timing = totals.get("judging_ms", {})
    p50, p95 = percentile(timing, 0.5), percentile(timing, 0.95)
    return [
        Table("uploads", _l("Uploads per hour") if days <= 1 else _l("Uploads per day"),
              timeline(counters, since, days, judge, now)),
        Table("devices", _l("Devices"), pick("device", DEVICES)),
        Table("verdicts", _l("Verdicts"), rest("verdict")),
        Table("views", _l("Result page views"), [("views", sum(totals.get("view", {}).values()))], chart=False),
        Table("shares", _l("Share taps"), pick("share", SHARE_TARGETS)),
        Table("cards", _l("Card fetches by link-preview crawlers"), pick("card", [name for _, name in CRAWLERS])),
        Table("photos", _l("Photos"), [("uploads", sum(totals.get("upload", {}).values())),
                                      ("not kept", sum(totals.get("no_photo", {}).values())),
                                      ("deleted", sum(totals.get("deleted", {}).values())),
                                      ("reported", sum(totals.get("report", {}).values()))], chart=False),
        Table("refusals", _l("Refusals by reason"), rest("refused")),
        Table("timing", _l("Judging time (ms, at most)"),
              [("p50", p50 if p50 is not None else "-"), ("p95", p95 if p95 is not None else "-")], chart=False),
    ]


def accuracy(counters, reports, review, judge, days, now=None):
    """A judge's accuracy after launch: uploads, results reported wrong and their share, and judged as → should be."""
    since = window(days, now)
    uploads = sum(counters.totals(since, judge=judge).get("upload", {}).values())
    wrong = reports.wrong_share(judge, since)
    share = f"{wrong / uploads:.1%}" if uploads else "-"
    summary = Table("accuracy", _l("Reported wrong"), [("uploads", uploads), ("reported", wrong), ("share", share)],
                    chart=False)
    confusion = Table("confusion", _l("Judged as → should be"),
                      [(f"{judged} → {label}", n) for (judged, label), n in sorted(review.confusion(judge).items())],
                      chart=False)
    return [summary, confusion]


def text(tables_, translate=lambda s: s):
    """The tables as plain text for a terminal, one block each."""
    lines = []
    for table in tables_:
        lines.append(translate(table.title))
        width = max([len(str(name)) for name, _ in table.rows] + [4])
        lines += [f"  {str(name):<{width}}  {value:>8}" for name, value in table.rows] or ["  -"]
        lines.append("")
    return "\n".join(lines)


def since_label(days, now=None):
    return window(days, now).astimezone(timezone.utc).strftime("%Y-%m-%d %H:00 UTC")

