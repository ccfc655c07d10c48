"""is_mobile: which User-Agents may use the phone capture page (the rest get the desktop QR handoff)."""

from __future__ import annotations

import pytest

from kycgate.reuse.capture import is_mobile

PHONES = {
    "iPhone Safari": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Android Chrome": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36",
    "Samsung Internet": "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
    "Android tablet": "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "iOS app webview": "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148",
}
NOT_PHONES = {
    "Windows Chrome": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "macOS Safari": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Linux Firefox": "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Googlebot smartphone": "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.6367.118 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
    "+http://www.google.com/bot.html)",
    "AdsBot mobile": "Mozilla/5.0 (iPhone; CPU iPhone OS 14_7_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/14.1.2 Mobile/15E148 Safari/604.1 (compatible; AdsBot-Google-Mobile; "
    "+http://www.google.com/mobile/adsbot.html)",
    "Bing preview": "Mozilla/5.0 (iPhone; CPU iPhone OS 7_0 like Mac OS X) AppleWebKit/537.51.1 (KHTML, like Gecko) "
    "Version/7.0 Mobile/11A465 Safari/9537.53 BingPreview/1.0b",
    "curl": "curl/8.5.0",
    "empty": "",
    "garbage": "\x00" * 5000,
}


@pytest.mark.parametrize("user_agent", PHONES.values(), ids=PHONES.keys())
def test_phones_and_tablets_are_mobile(user_agent: str) -> None:
    assert is_mobile(user_agent)


@pytest.mark.parametrize("user_agent", NOT_PHONES.values(), ids=NOT_PHONES.keys())
def test_desktops_crawlers_and_junk_are_not(user_agent: str) -> None:
    assert not is_mobile(user_agent)


def test_missing_user_agent_is_not_mobile() -> None:
    assert not is_mobile(None)


@pytest.mark.parametrize("user_agent", [*PHONES.values(), *NOT_PHONES.values()])
def test_same_answer_as_ua_parsers_full_parse(user_agent: str) -> None:
    # The trimmed parser must agree with ua-parser's own full parse on every case above.
    from ua_parser import parse

    from kycgate.reuse.capture import MOBILE_OS_FAMILIES

    full = parse(user_agent[:1024])
    crawler = full.device is not None and full.device.family == "Spider"
    expected = bool(user_agent) and not crawler and full.os is not None and full.os.family in MOBILE_OS_FAMILIES
    assert is_mobile(user_agent) is expected
