"""The phone capture step's rules that need no session: which User-Agents may capture, and the link
to the capture page. Apart from reuse.service so the HTML pages serve a phone without loading boto3,
the session store and the wire models (the capture page function's whole cold start)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from kycgate.pages.links import page_link

if TYPE_CHECKING:
    from ua_parser import Parser

# Operating systems that only run on phones and tablets (ua-parser family names). iPadOS Safari
# asks for desktop sites by default and sends a macOS User-Agent; such an iPad is refused like a Mac.
MOBILE_OS_FAMILIES = frozenset(
    {"iOS", "iPadOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS", "Tizen", "Firefox OS", "Symbian OS"}
)


def is_mobile(user_agent: str | None) -> bool:
    """A phone or tablet browser/app by its User-Agent; a missing or unrecognised one is not, nor is
    a crawler that calls itself a phone."""
    if not user_agent:
        return False
    parser = _device_class_parser()
    user_agent = user_agent[:1024]
    os = parser.parse_os(user_agent)
    if os is None or os.family not in MOBILE_OS_FAMILIES:
        return False
    return parser.parse_device(user_agent) is None  # its only device matchers are the crawlers'


@cache
def _device_class_parser() -> Parser:
    """ua-parser with its OS matchers and, of its device matchers, only the crawlers' ("Spider").

    Lazy matchers compile a regex when first tried, and ua-parser's default parser compiles every
    one of its ~1,300 on the first call: about 110 ms of a cold start, where an OS match and the 7
    crawler patterns take a few milliseconds. Imported here: only the capture routes need it.
    """
    from ua_parser import BasicResolver, Parser, load_lazy_builtins

    user_agents, oses, devices = load_lazy_builtins()
    crawlers = [matcher for matcher in devices if matcher.family == "Spider"]
    return Parser(BasicResolver((user_agents, oses, crawlers)))


def submit_link(token: str, base: str | None = None) -> str:
    """The phone's capture page for ``token`` under ``base`` (default BASE_URL_FRONTEND); empty without a base."""
    return page_link("reuse-kyc-submit", token, base)
