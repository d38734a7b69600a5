"""Refused: an upload or request turned away, with its code, HTTP status and the numbers its message quotes."""

from .i18n import refusal


class Refused(Exception):
    """Why something sent cannot be used: intake, the web layer and the CLI all raise and show this one kind."""

    def __init__(self, code, status, headers=None, **values):
        super().__init__(code)
        self.code = code
        self.status = status
        self.headers = headers or {}
        self.values = values

    def message(self, lang):
        """What to tell the person, in their language."""
        return refusal(self.code, lang, **self.values)

    def as_json(self, lang):
        """The API's error answer: body, status and headers."""
        return {"error": {"code": self.code, "message": self.message(lang)}}, self.status, self.headers
