"""Every form the demo shows, sent back as the page filled it in with one field made hostile: never a 500,
and a refused form changes nothing. A search or filter form (GET) is sent the same way.

test_fuzz.py sends forms made up from scratch, and most of them are refused for what they lack before a
hostile value reaches the code that stores it. Here each form is complete as the page shows it (an edit
page shows a record's values, which the form accepts), so the one bad value is the only thing wrong.
"""

from __future__ import annotations

from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from feedback.models import Role
from tests.views.addresses import addresses, counts

# Each stands for a way input has broken code: empty, zero and negative, past a 32-bit column, past any
# integer column, a float that is not a number or not finite, a NUL (PostgreSQL refuses it in text), too
# long, a date that does not exist, markup.
HOSTILE = [
    "",
    "0",
    "-1",
    "2147483648",
    "9" * 40,
    "-" + "9" * 20,
    "1e999",
    "nan",
    "0.000000000000000000001",
    "\x00",
    "x" * 20_000,
    "2024-02-30",
    "<script>alert(1)</script>",
]
# What a person would type in an empty box of these names; any other gets a sentence.
FILL = {
    "slug": "a-survey-the-test-made",
    "key": "made_by_the_test",
    "reference": "TEST/1",
    "email": "made.by.the.test@example.org",
    "contact_email": "",
    "contact_phone": "",
    "phone": "",
    "password": "a password the test made up",
    "value": "42",
    "n": "30",
    "choices": "",
}
# Fields that sign in or change who is signed in: refusing them is their whole job, and a hostile value
# sent to them is test_auth.py's subject.
LEFT_ALONE = {"password", "new_password", "current_password", "confirm", "code", "csrf_token"}


class _Forms(HTMLParser):
    """The forms of a page, each as its method, action and the values a browser would send unchanged, and
    the first option of each choice, for filling a form in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, str, dict[str, list[str]]]] = []
        self._fields: dict[str, list[str]] | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._first_option: dict[str, str] = {}
        self.options: dict[str, str] = {}  # radios, checkboxes and lists: the first value that says something

    def handle_starttag(self, tag, attrs):
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._fields = {}
            self.forms.append((a.get("method", "get").upper(), a.get("action", ""), self._fields))
        if self._fields is None or "name" not in a and tag != "option":
            return
        name = a.get("name", "")
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                self._fields.setdefault(name, [])
                self.options.setdefault(name, a.get("value", "on"))
                if "checked" in a:
                    self._fields[name].append(a.get("value", "on"))
            elif kind not in ("submit", "button", "file", "image"):
                # A date's day, month and year share a name.
                self._fields.setdefault(name, []).append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = name
            self._fields[name] = [""]
        elif tag == "select":
            self._select = name
            self._fields[name] = []
        elif tag == "option" and self._select is not None:
            self._first_option.setdefault(self._select, a.get("value", ""))
            if a.get("value"):
                self.options.setdefault(self._select, a["value"])
            if "selected" in a:
                self._fields[self._select].append(a.get("value", ""))

    def handle_data(self, data):
        if self._fields is not None and self._textarea is not None:
            self._fields[self._textarea] = [self._fields[self._textarea][0] + data]

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._fields is not None and self._select is not None:
            if not self._fields[self._select]:
                self._fields[self._select] = [self._first_option.get(self._select, "")]
            self._select = None
        elif tag == "form":
            self._fields = None


def _forms(page: str) -> list[tuple[str, str, dict[str, list[str]], dict[str, list[str]]]]:
    """Each form's method and action, its values as shown, and the same filled in as a person would: every
    empty box given a plausible value and every choice left open its first option, so that a form for
    something new, which is refused empty, is accepted and a hostile value reaches what stores it."""
    parser = _Forms()
    parser.feed(page)
    found = []
    for method, action, shown in parser.forms:
        filled = {}
        for name, values in shown.items():
            if len(values) == 3 and not any(values):  # a date's day, month and year
                filled[name] = ["1", "4", "2024"]
            elif not any(values):
                choice = parser.options.get(name)
                filled[name] = [choice] if choice is not None else [FILL.get(name, "Filled in by the test")]
            else:
                filled[name] = values
        found.append((method, action, shown, filled))
    return found


def _send(client: FlaskClient, method: str, target: str, form: dict[str, list[str]]) -> TestResponse:
    if method == "GET":
        return client.get(target, query_string=form)
    return client.post(target, data=form)


def _signs_out(address: str) -> bool:
    return any(word in address for word in ("logout", "sign-out", "sessions"))


def test_every_form_with_one_hostile_field_is_refused_or_kept_and_never_fails(app, client, login, demo):
    app.config["FEEDBACK_PUBLIC_POST_LIMIT"] = (10**9, 600)
    login(Role.ADMIN)
    waiting = deque(url for url, methods in addresses(app) if "GET" in methods and not _signs_out(url))
    seen = set(waiting)
    outcomes: Counter[str] = Counter()
    while waiting:
        url = waiting.popleft()
        page = client.get(url)
        if page.status_code != 200 or not page.content_type.startswith("text/html"):
            continue
        for method, action, shown, filled in _forms(page.text):
            target = action or url
            if _signs_out(target):
                continue
            fields, sent = shown, _send(client, method, target, shown)
            if sent.status_code >= 400:
                fields, sent = filled, _send(client, method, target, filled)
            # A page a form leads on to (a survey's next page, a new case) is next, before another form
            # closes the survey or removes the case.
            following = urlsplit(sent.location or "").path
            if sent.status_code in (302, 303) and following not in seen and not _signs_out(following):
                seen.add(following)
                waiting.appendleft(following)
            for name in sorted(set(fields) - LEFT_ALONE):
                for value in HOSTILE:
                    form = {**fields, name: [value, *fields[name][1:]]}  # a date's day, or the one value
                    with app.app_context():
                        before = counts()
                    response = _send(client, method, target, form)
                    assert response.status_code < 500, (target, name, value)
                    if response.status_code >= 400:
                        outcomes["refused"] += 1
                        with app.app_context():
                            assert counts() == before, (target, name, value)
                    else:
                        outcomes["taken"] += 1
                    if "/login" in (response.location or ""):
                        login(Role.ADMIN)
    # The survey's own pages were reached, and enough hostile values were stored to have reached the code
    # that stores them.
    assert any(page.startswith("/s/live-feedback/") and page.endswith("/done") for page in seen)
    assert outcomes["taken"] > 500 and outcomes["refused"] > 1000
