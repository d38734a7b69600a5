"""Japanese text split at phrase boundaries (BudouX), so lines never break mid-word on pages, stamps or cards."""

from functools import lru_cache

import budoux


@lru_cache(maxsize=1)
def _parser():
    return budoux.load_default_japanese_parser()


@lru_cache(maxsize=1024)
def split(text):
    """The phrases of a text, in order ("" gives no phrase); text with no Japanese is split at spaces."""
    if not text:
        return ()
    if text.isascii():
        words = text.split(" ")
        return tuple(word + " " for word in words[:-1]) + (words[-1],)
    return tuple(_parser().parse(text))


def two_lines(text):
    """A short text (a verdict) as one line, or two lines split at the phrase boundary nearest its middle."""
    parts = split(text)
    if len(parts) < 2 or len(text) <= (5 if not text.isascii() else 10):
        return [text]
    best = min(range(1, len(parts)), key=lambda cut: abs(len("".join(parts[:cut])) - len(text) / 2))
    return ["".join(parts[:best]).strip(), "".join(parts[best:]).strip()]


def wrap(text, fits):
    """Lines of whole phrases, each one as long as fits(line) allows (a phrase too long alone gets its own line)."""
    lines, line = [], ""
    for phrase in split(text):
        if line and not fits((line + phrase).rstrip()):
            lines.append(line.rstrip())
            line = phrase.lstrip()
        else:
            line += phrase
    return lines + [line.rstrip()] if line.strip() else lines
