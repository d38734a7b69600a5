"""What the launch counters count, as requests arrive: the User-Agent is read here and only a count is kept."""

import logging

import sqlalchemy as sa
from flask import request

from ..cockpit.counters import timing_key
from ..cockpit.devices import crawler, device
from ..services import cockpit
from .attempts import first_time

log = logging.getLogger(__name__)


def _add(event, key="", judge=""):
    _add_many([(event, key, judge)])


def _add_many(events):
    """Count events; a counter that cannot be written never fails the request it counts."""
    try:
        cockpit().counters.add_many(events)
    except sa.exc.SQLAlchemyError as error:
        log.warning("counters %s not counted: %s", [event for event, _, _ in events], error)


def _agent():
    return request.headers.get("User-Agent", "")


def verdict_keys(judgement):
    """What a verdict is counted as: the top label of a label judge, each tag given by a tags judge (or its
    no-match verdict), the verdict (in English) of a score judge."""
    if judgement.kind == "labels" and judgement.labels:
        return [judgement.labels[0]["label"]]
    if judgement.kind == "tags" and judgement.tags:
        return list(judgement.tags)
    return [judgement.verdict.get("en", "")]


def uploaded(record, kept):
    """A photo judged and stored: the upload, its device kind, verdict, judging time, and whether it was kept."""
    judgement, judge = record.judgement, record.judgement.judge
    events = [("upload", "", judge), ("device", device(_agent()), judge),
              *(("verdict", key, judge) for key in verdict_keys(judgement)),
              ("judging_ms", timing_key(judgement.timings_ms.get("total", 0)), judge)]
    _add_many(events + ([] if kept else [("no_photo", "", judge)]))


def refused(code, judge=""):
    _add("refused", code, judge)


def viewed(record):
    """A result page opened by a person's browser (robots and scripts are not views), once per visitor an hour."""
    if device(_agent()) != "other" and first_time("view", record.id):
        _add("view", "", record.judgement.judge)


def card_fetched(record):
    """A share card fetched by a link-preview crawler: the result travelled to that service (once an hour per
    crawler and address)."""
    name = crawler(_agent())
    if name and first_time("card", f"{name}:{record.id}"):
        _add("card", name, record.judgement.judge)


def deleted(judge):
    _add("deleted", "", judge)


def shared(record, target):
    _add("share", target, record.judgement.judge)


def reported(record):
    _add("report", "", record.judgement.judge)
