"""Languages: Japanese first, English second; every message a person may be shown, and its translation."""

import os
from functools import lru_cache
from pathlib import Path

from babel.support import Translations

LANGUAGES = ("ja", "en")
CATALOGUES = Path(__file__).resolve().parent / "translations"  # the same catalogues the pages use


def _l(text):
    """Mark a message for `make translations`; it is translated when shown, in the reader's language."""
    return text


@lru_cache(maxsize=len(LANGUAGES))
def _catalogue(lang):
    return Translations.load(str(CATALOGUES), [lang])


def translate(text, lang):
    """A message (written in English) in the given language."""
    return text if lang == "en" else _catalogue(lang).gettext(text)


def shell_language():
    """The language of a terminal: English where LANG says so (or is C), else Japanese."""
    return "en" if os.environ.get("LANG", "ja").startswith(("en", "C")) else "ja"


# Why an upload was refused, by intake's refusal code (and the web layer's own).
REFUSALS = {
    "no_file": _l("Please choose a photo first."),
    "empty": _l("The file is empty. Please choose a photo."),
    "unsupported": _l("This file is not a photo hantei can read. Please send a JPEG, PNG, WebP, GIF, HEIC, "
                  "AVIF, BMP or TIFF image."),
    "corrupt": _l("This photo is damaged or incomplete, so it cannot be read. Please try another photo."),
    "too_many_pixels": _l("This photo has too many pixels to judge (the limit is %(megapixels)s megapixels)."),
    "over_budget": _l("This photo would take more memory to open than one upload may use (%(megabytes)s MB). "
                  "Please send it smaller or as a JPEG."),
    "too_slow": _l("This photo would take too long to open (more than %(seconds)s seconds). Please send it as an "
                   "ordinary JPEG, or smaller."),
    "too_small": _l("This photo is too small to judge. It needs at least 32 pixels on each side."),
    "too_large": _l("This file is too big (the limit is %(megabytes)s MB). Please choose a smaller photo."),
    "unknown_judge": _l("There is no judge called “%(judge)s”."),
    "not_found": _l("There is no result at this address."),
    "gone": _l("This result has expired or was deleted."),
    "not_owner": _l("Only the person who uploaded this photo can delete it."),
    "busy": _l("hantei is very busy right now. Please try again in a few seconds."),
    "rate_limited": _l("You have sent many photos in a short time. Please wait a moment and try again."),
    "too_many_photos": _l("An album holds at most %(photos)s photos. Please choose fewer photos."),
    "album_too_large": _l("These photos are too big together (an album takes at most %(megabytes)s MB). "
                          "Please choose fewer or smaller photos."),
    "csrf": _l("This form has expired. Please reload the page and try again."),
    "storage_down": _l("hantei cannot reach its photo storage, so nothing was saved. Please try again in a minute."),
    "bad_share_target": _l("Unknown share target: use x, line, copy or sheet."),
    "bad_answer": _l("Please pick one of the answers."),
    "already_reported": _l("You have already reported this result. Thank you!"),
    "cross_site": _l("This can only be sent from hantei's own pages or its installed app."),
    "rate_limited_reports": _l("You have sent many reports in a short time. Please wait a moment and try again."),
    "login_failed": _l("Wrong password."),
    "login_limited": _l("Too many login attempts. Please wait %(seconds)s seconds and try again."),
    "admin_only": _l("Please log in to the admin area first."),
    "field_too_large": _l("A form field is too large (the limit is %(kilobytes)s KB per field and %(parts)s "
                  "fields). Only the photo may be big."),
    "bad_filename": _l("The photo's file name cannot be read (it is not UTF-8 text). Please rename the file "
                  "and try again."),
    "bad_judge_id": _l("A judge's id is 1 to 40 small letters (a-z), digits, - or _, starting with a letter or digit."),
    "judge_taken": _l("There is already a judge or a draft called “%(judge)s”. Please choose another id."),
    "names_needed": _l("Please give the name in both Japanese and English (at most %(characters)s characters each)."),
    "bad_threshold": _l("The threshold is a number over %(low)s and at most %(high)s."),
    "no_draft": _l("There is no look-alike draft called “%(judge)s”."),
    "bad_label": _l("A label's key is 1 to 32 small letters (a-z), digits, - or _, starting with a letter or digit."),
    "label_taken": _l("This judge already has a label “%(label)s”."),
    "no_label": _l("This judge has no label “%(label)s”."),
    "no_photo": _l("This reference photo is not there (any more)."),
    "too_many_references": _l("Please send at most %(photos)s photos at a time."),
    "no_face_in": _l("No face was found in this photo, so it was not added. Please choose one where the face is "
                     "clear."),
    "face_not_isolated": _l("That face could not be told apart from the others. Please crop the photo to it and "
                            "send it again."),
    "no_labels": _l("Add at least one label with photos first."),
    "empty_label": _l("“%(label)s” has no photo with a face yet: every label needs one before the draft can judge."),
    "draft_broken": _l("The draft cannot judge yet: %(problem)s"),
    "bad_request": _l("This request could not be understood. Please reload the page and try again."),
    "bad_host": _l("This server does not answer for that address."),
    "forbidden": _l("This page is not open to you."),
    "method_not_allowed": _l("This address cannot be used that way. Please open it as a link."),
    "server_error": _l("Something went wrong on our side. Please try again in a moment."),
    "unavailable": _l("hantei is not available right now. Please try again in a minute."),
    "http_error": _l("This request could not be answered (HTTP %(status)s)."),
}


# Two refusals as the form's own page (no JavaScript) says them: how long to wait (the answer's Retry-After).
WAITING = {
    "busy": _l("hantei is very busy right now, so your photo was not judged yet. Please wait about %(wait)s, then "
               "choose your photo and send it again (without JavaScript this page cannot keep it for you)."),
    "rate_limited": _l("You have sent many photos in a short time. You can send a photo again in about %(wait)s."),
}

# A wait as a person reads it at a glance: seconds up to 90, minutes up to 90 (rounded up), then hours (rounded).
WAITS = {"second": _l("1 second"), "seconds": _l("%(n)s seconds"), "minutes": _l("%(n)s minutes"),
         "hours": _l("%(n)s hours")}


def wait_words(seconds, lang):
    """How long to wait, in words of a language: "1 second", "45 seconds", "3 minutes"."""
    seconds = max(1, int(seconds))
    if seconds == 1:
        return translate(WAITS["second"], lang)
    if seconds <= 90:
        return translate(WAITS["seconds"], lang) % {"n": seconds}
    if seconds <= 90 * 60:
        return translate(WAITS["minutes"], lang) % {"n": -(-seconds // 60)}
    return translate(WAITS["hours"], lang) % {"n": round(seconds / 3600)}


def waiting(code, seconds, lang):
    """What the form's page says of a refusal that asks to wait `seconds`; None for a refusal that does not."""
    return translate(WAITING[code], lang) % {"wait": wait_words(seconds, lang)} if code in WAITING else None


def refusal(code, lang, **values):
    """The refusal message for a refusal code, in a language, with its numbers filled in."""
    text = translate(REFUSALS[code], lang)
    return text % values if values else text


# What detectors' region labels mean, for the list under a result's photo. NudeNet's guess of a face's gender is
# wrong often enough that no page, card or shared text prints it: both of its face labels read "Face".
REGION_LABELS = {
    "face": _l("Face"),
    "FACE_FEMALE": _l("Face"),
    "FACE_MALE": _l("Face"),
    "FEMALE_BREAST_EXPOSED": _l("Breast, exposed"),
    "FEMALE_BREAST_COVERED": _l("Breast, covered"),
    "MALE_BREAST_EXPOSED": _l("Male chest, exposed"),
    "FEMALE_GENITALIA_EXPOSED": _l("Genitals (female), exposed"),
    "FEMALE_GENITALIA_COVERED": _l("Genitals (female), covered"),
    "MALE_GENITALIA_EXPOSED": _l("Genitals (male), exposed"),
    "BUTTOCKS_EXPOSED": _l("Buttocks, exposed"),
    "BUTTOCKS_COVERED": _l("Buttocks, covered"),
    "ANUS_EXPOSED": _l("Anus, exposed"),
    "ANUS_COVERED": _l("Anus, covered"),
    "BELLY_EXPOSED": _l("Belly, exposed"),
    "BELLY_COVERED": _l("Belly, covered"),
    "ARMPITS_EXPOSED": _l("Armpits, exposed"),
    "ARMPITS_COVERED": _l("Armpits, covered"),
    "FEET_EXPOSED": _l("Feet, bare"),
    "FEET_COVERED": _l("Feet, covered"),
}


def region_label(label, lang):
    """A detector label in a language (unknown labels are shown as they are)."""
    return translate(REGION_LABELS[label], lang) if label in REGION_LABELS else label
