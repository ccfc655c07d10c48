"""The hosted IDV page's message catalogues: every catalogue has every key (with the same placeholders),
every key is shown somewhere and everything shown is a key, and a translated page shows no English."""

from __future__ import annotations

import json
import re
import string
from html.parser import HTMLParser
from importlib import resources
from typing import Any

import pytest

from kycgate.compliance.idv import service as idv
from kycgate.compliance.idv.vocabulary import LOCALES, TRANSLATED, IdType
from kycgate.pages import catalogues, service

PAGES = resources.files("kycgate.pages")
# The page as served: idv.html with the camera block (templates/camera.html, shared with the KYC pages) in it.
TEMPLATE = (
    PAGES.joinpath("templates", "idv.html")
    .read_text(encoding="utf-8")
    .replace("$camera\n", PAGES.joinpath("templates", "camera.html").read_text(encoding="utf-8"))
)
SCRIPT = PAGES.joinpath("static", "idv.js").read_text(encoding="utf-8")
ENGLISH = catalogues.catalogue("en")
# What a translated page may still spell in Latin letters: names of things.
LATIN_NAMES = {"JavaScript", "JPEG", "PNG", "Safari", "Chrome"}
TOKEN = "t" * 43


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def test_the_translated_locales_are_exactly_the_catalogue_files() -> None:
    files = {path.name.removesuffix(".json") for path in PAGES.joinpath("locales").iterdir()}
    assert files == set(TRANSLATED) and set(TRANSLATED) <= set(LOCALES)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_catalogue_has_every_key_with_its_placeholders(locale: str) -> None:
    messages = catalogues.catalogue(locale)
    assert set(messages) == set(ENGLISH)
    for key, text in messages.items():
        assert isinstance(text, str) and text.strip(), (locale, key)
        assert _placeholders(text) == _placeholders(ENGLISH[key]), (locale, key)
    if locale != "en":
        same = {k for k, v in messages.items() if v == ENGLISH[k] and not k.startswith("list_")}
        assert not same, f"{locale} left these in English: {sorted(same)}"


def test_every_key_is_shown_and_everything_shown_is_a_key() -> None:
    in_template = {
        name for _, name, braced, _ in string.Template.pattern.findall(TEMPLATE) for name in [name or braced] if name
    }
    in_script = set(re.findall(r"\bM\.(\w+)", SCRIPT)) | set(re.findall(r"\bt\(\s*\"(\w+)\"", SCRIPT))
    in_script |= set(re.findall(r'"(\w+_of)"', SCRIPT))  # t(filled ? "retake_photo_of" : "take_photo_of", ...)
    # The service picks these by the task: the steps' words and the lead of the capture mode.
    chosen = {f"{part}_{step}" for part in ("label", "title", "guide") for step in
              ("passport", "id_card_front", "id_card_back", "driving_license", "selfie")}  # fmt: skip
    chosen |= {f"steps_lead_{capture}" for capture in ("camera_upload", "camera", "upload")} | {"page_title"}
    computed = {"config", "steps_lead"}  # filled by the service, not from the catalogue
    assert in_template - computed <= set(ENGLISH), "the template shows words no catalogue has"
    assert in_script <= set(ENGLISH), "the script shows words no catalogue has"
    assert set(ENGLISH) - in_template - in_script - chosen == set(), "catalogue keys nothing shows"
    # No English sentence in the page's markup or script outside the catalogues.
    text = re.sub(r"<[^>]+>|\$\w+|&\w+;", " ", TEMPLATE)
    assert not re.findall(r"[A-Za-z]{3,}", text)
    script_strings = re.findall(r'"([^"\\]*)"', SCRIPT)
    assert not [s for s in script_strings if re.search(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+", s)]


def test_no_catalogue_key_is_a_name_the_page_renderer_takes() -> None:
    assert not set(ENGLISH) & {"title", "page", "js", "lang", "content", "css", "scripts", "config", "steps_lead"}


class _Text(HTMLParser):
    """The text a reader sees (and a screen reader hears), and the page's config."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.config: dict[str, Any] = {}
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        for name in ("aria-label", "alt", "title"):
            if values.get(name):
                self.text.append(values[name] or "")
        if values.get("id") == "idv-config":
            self.config = json.loads(values["data-config"] or "{}")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.text.append(data.strip())


def _rendered(monkeypatch: pytest.MonkeyPatch, view: idv.WebPage) -> tuple[service.Page, _Text]:
    monkeypatch.setattr(idv, "web_page", lambda token: view)
    page = service.idv_page(TOKEN)
    parsed = _Text()
    parsed.feed(page.html)
    return page, parsed


@pytest.mark.parametrize("locale", [loc for loc in TRANSLATED if loc != "en"])
def test_a_translated_page_shows_no_english(locale: str, monkeypatch: pytest.MonkeyPatch) -> None:
    view = idv.WebPage("ready", IdType.ID_CARD, True, "camera_upload", locale, "https://example.com/ok", None)
    page, parsed = _rendered(monkeypatch, view)
    assert page.status == 200 and f'<html lang="{locale}">' in page.html
    words = set(re.findall(r"[A-Za-z]{2,}", " ".join(parsed.text))) - LATIN_NAMES
    assert not words, f"{locale}: English on the page: {sorted(words)}"
    messages = catalogues.catalogue(locale)
    assert parsed.config["messages"] == messages
    assert [s["label"] for s in parsed.config["steps"]] == [
        messages["label_id_card_front"], messages["label_id_card_back"], messages["label_selfie"]
    ]  # fmt: skip
    assert [s["field"] for s in parsed.config["steps"]] == ["id_image", "id_back_image", "face_image"]


@pytest.mark.parametrize(
    ("workflow", "id_type", "fields", "camera", "upload"),
    [
        (100, IdType.PASSPORT, ["id_image"], True, True),
        (101, IdType.DRIVING_LICENSE, ["id_image"], True, False),
        (102, IdType.ID_CARD, ["id_image", "id_back_image"], False, True),
        (200, IdType.ID_CARD, ["id_image", "id_back_image", "face_image"], True, True),
        (201, IdType.PASSPORT, ["id_image", "face_image"], True, False),
        (202, IdType.DRIVING_LICENSE, ["id_image", "face_image"], False, True),
    ],
)
def test_each_workflow_asks_for_its_photos_its_way(
    workflow: int, id_type: IdType, fields: list[str], camera: bool, upload: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kycgate.compliance.idv.vocabulary import WEB_WORKFLOWS

    with_face, capture = WEB_WORKFLOWS[workflow]
    # A listed locale without a catalogue: the page in en.
    _, parsed = _rendered(monkeypatch, idv.WebPage("ready", id_type, with_face, capture, "de", None, None))
    assert [s["field"] for s in parsed.config["steps"]] == fields
    assert (parsed.config["camera"], parsed.config["upload"]) == (camera, upload)
    assert parsed.config["messages"] == ENGLISH and ENGLISH[f"steps_lead_{capture}"] in parsed.text


@pytest.mark.parametrize(("state", "status"), [("completed", 200), ("expired", 410), ("unknown", 404)])
def test_a_task_that_takes_no_photos_answers_its_state(
    state: str, status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = idv.WebPage(state, IdType.PASSPORT, False, "upload", "zh-HK", None, "https://example.com/error")
    page, parsed = _rendered(monkeypatch, view)
    assert page.status == status and parsed.config["state"] == state
    assert parsed.config["error_url"] == "https://example.com/error"


def test_a_malformed_token_is_the_broken_link_page_without_a_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idv, "web_page", lambda token: pytest.fail("looked up a token that cannot be one"))
    assert service.idv_page("not a token").status == 400
    assert service.idv_page(None).status == 400
