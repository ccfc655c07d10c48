"""The hosted IDV page (/idv?token=, seed 001 web initiation) in Debian's headless Chromium, end to end.

The app under uvicorn on 127.0.0.1 with this process's moto, the real document reader and face matcher, and
a "tenant site" on 127.0.0.1 serving success_url and error_url. One run photographs a generated passport
and the customer's face with the fake camera (its file rewritten before each photo, as a customer points
the phone at the document, then at their face); one chooses a generated ID card's two sides as files on
a page served in zh-TW. Each ends on the task's detail holding the result and the browser on success_url.
The third takes the error_url path: the tenant's points spent while the customer was choosing photos (the
upload is refused with 402 and nothing charged), then a link opened after it expired.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kycgate.compliance.idv import points, store
from kycgate.core import clock
from kycgate.core.dynamo import ddb
from kycgate.core.settings import get_settings
from kycgate.core.tenants import data_space
from kycgate.pages.catalogues import catalogue
from tests import specimens
from tests.conftest import FACES, TenantHandle, make_tenant
from tests.e2e.browser_support import (
    PHONE,
    Served,
    assert_accessible,
    assert_clean,
    camera_file,
    document_camera_file,
    launch_chromium,
    open_page,
    require_chromium,
    served_app,
    shot,
)

pytestmark = pytest.mark.e2e
IDV = "/api/v1/compliance/idv"
# Seed 7's passport: Ana Beatriz Silva, portrait obama_2.jpg; the selfie is the same person.
PASSPORT = specimens.make("td3_passport", "clean", 7)
CARD = specimens.make("td1_card", "clean", 3)
# The first check loads the OCR and face models: seconds on an idle machine, far more on a loaded one.
RESULT_TIMEOUT_MS = 90_000


@dataclass
class World:
    served: Served
    tenant: TenantHandle
    camera: Path
    browser: Any

    def init(self, **body: Any) -> dict[str, Any]:
        base = self.served.site.url.rsplit("/", 1)[0]
        body = {"success_url": f"{base}/idv-success", "error_url": f"{base}/idv-error", **body}
        started = self.served.http.post(f"{IDV}/init", json=body, headers=self.tenant.headers)
        assert started.status_code == 201, started.text
        return {**started.json(), **body}

    def task(self, idv_task_id: int) -> dict[str, Any]:
        return self.served.http.get(f"{IDV}/{idv_task_id}", headers=self.tenant.headers).json()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    camera = tmp_path_factory.mktemp("camera") / "camera.y4m"
    document_camera_file(PASSPORT.front, camera)
    with served_app() as served, sync_playwright() as playwright:
        tenant = make_tenant("E2E IDV")
        points.grant(tenant.tenant_id, 1000)
        browser = launch_chromium(playwright, camera, "--use-fake-ui-for-media-stream")
        try:
            yield World(served, tenant, camera, browser)
        finally:
            browser.close()


def _step_done(page: Any, label: str, done: str = "Done") -> None:
    from playwright.sync_api import expect

    step = page.locator(".slot", has=page.get_by_role("heading", name=label, exact=True))
    expect(step.locator(".slot-state")).to_have_text(done)


def test_camera_run_passport_and_selfie_accepted_then_success_url(world: World) -> None:
    from playwright.sync_api import expect

    truth = PASSPORT.truth
    started = world.init(
        id_type="PASSPORT",
        workflow_id=201,  # ID + identity, camera only
        country="UTO",
        customer_reference="e2e-camera",
        locale="en-GB",  # listed by the seed, not translated: served in en
        expected_name=truth["full_name"],
        expected_birthday=truth["birthday"],
    )
    phone = open_page(world.browser.new_context(**PHONE), started["url"])
    page = phone.page
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("heading", name="Verify your identity")).to_be_visible()
    expect(page.locator("#progress-text")).to_have_text("0 of 2 photos done")
    expect(page.get_by_label("Choose file for Selfie")).to_have_count(0)  # camera only
    assert_accessible(page, "idv steps")
    shot(page, "idv-1-steps")

    for label, title, frame in (
        ("Passport photo page", "Photograph your passport photo page", None),
        ("Selfie", "Take a selfie", FACES / "obama_3.jpg"),
    ):
        if frame is not None:
            camera_file(frame, world.camera)
        page.get_by_role("button", name=f"Take photo of {label}").click()
        expect(page.get_by_role("heading", name=title)).to_be_visible()
        shutter = page.get_by_role("button", name="Take photo", exact=True)
        expect(shutter).to_be_enabled()
        shot(page, f"idv-2-camera-{label.split()[0].lower()}")
        shutter.click()
        _step_done(page, label)
    expect(page.locator("#progress-text")).to_have_text("2 of 2 photos done")

    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    page.wait_for_url(started["success_url"])
    assert_clean(phone, world.served.base, redirect_url=started["success_url"])

    task = world.task(started["idv_task_id"])
    assert task["progress"] == "completed" and task["customer_reference"] == "e2e-camera"
    assert (task["state"], task["review_reasons"], task["reject_reasons"]) == (0, [], []), task
    assert (task["full_name"], task["birthday"]) == (truth["full_name"].upper(), truth["birthday"])
    assert task["face_similarity"] > 0.5


def test_upload_run_id_card_in_zh_tw_then_success_url_and_the_link_is_spent(world: World) -> None:
    from playwright.sync_api import expect

    truth = CARD.truth
    started = world.init(
        id_type="ID_CARD",
        workflow_id=102,  # ID only, upload only
        country="UTO",
        customer_reference="e2e-upload",
        locale="zh-TW",
        expected_id_number=truth["id_number"],
    )
    phone = open_page(world.browser.new_context(**PHONE), started["url"])
    page = phone.page
    assert page.locator("html").get_attribute("lang") == "zh-TW"
    expect(page.get_by_role("heading", name="驗證您的身分")).to_be_visible()
    expect(page.locator("#progress-text")).to_have_text("已完成 0 / 2 張照片")
    expect(page.get_by_role("button", name="拍照")).to_have_count(0)  # upload only
    assert_accessible(page, "idv steps zh-TW")

    # The catalogue's own words for the two sides (full-width punctuation, which ruff keeps out of code).
    zh = catalogue("zh-TW")
    front, back = zh["label_id_card_front"], zh["label_id_card_back"]
    page.get_by_role("button", name="送出", exact=True).click()
    missing = zh["missing"].format(steps=front + zh["list_last_separator"] + back)
    expect(page.get_by_role("alert")).to_have_text(missing)
    for label, image in ((front, CARD.front), (back, CARD.back)):
        page.get_by_label(zh["choose_file_for"].format(step=label)).set_input_files(
            {"name": "card.jpg", "mimeType": "image/jpeg", "buffer": image}
        )
        _step_done(page, label, "已完成")
    shot(page, "idv-3-upload-zh-tw")

    page.get_by_role("button", name="送出", exact=True).click()
    expect(page.get_by_role("heading", name="謝謝您")).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    page.wait_for_url(started["success_url"])
    assert_clean(phone, world.served.base, redirect_url=started["success_url"])

    task = world.task(started["idv_task_id"])
    assert task["progress"] == "completed" and task["face_similarity"] is None  # no face asked for
    assert (task["state"], task["review_reasons"], task["reject_reasons"]) == (0, [], []), task
    assert task["id_number"] == truth["id_number"]

    # The link again: the task is done, so the page says so and sends the customer to success_url.
    again = open_page(world.browser.new_context(**PHONE), started["url"])
    expect(again.page.get_by_role("heading", name="已完成")).to_be_visible()
    again.page.wait_for_url(started["success_url"])
    visits = [path for path, _ in world.served.site.requests if path.startswith("/idv-")]
    assert visits[-2:] == ["/idv-success", "/idv-success"] and "/idv-error" not in visits


def test_points_spent_before_the_upload_then_an_expired_link_both_end_on_error_url(world: World) -> None:
    from playwright.sync_api import expect

    # Just enough to initiate (more than the floor), not enough once another task has paid.
    floor, cost = get_settings().idv_points_floor, get_settings().idv_points_cost
    tenant = make_tenant("E2E IDV points")
    points.grant(tenant.tenant_id, floor + 1)
    world_tenant, world.tenant = world.tenant, tenant
    try:
        started = world.init(id_type="PASSPORT", workflow_id=102, country="UTO", customer_reference="e2e-402")
        lapsing = world.init(id_type="PASSPORT", workflow_id=102, country="UTO", customer_reference="e2e-410")
    finally:
        world.tenant = world_tenant
    phone = open_page(world.browser.new_context(**PHONE), started["url"])
    page = phone.page
    page.get_by_label("Choose file for Passport photo page").set_input_files(
        {"name": "passport.jpg", "mimeType": "image/jpeg", "buffer": PASSPORT.front}
    )
    _step_done(page, "Passport photo page")
    # Meanwhile another of the tenant's tasks is paid for, with the same conditional deduction.
    spent = floor + 1 - (cost - 1)
    ddb().transact_write_items(TransactItems=[store.points_update(data_space(tenant.tenant_id, "live"), spent)])

    page.get_by_role("button", name="Submit", exact=True).click()
    en = catalogue("en")
    expect(page.get_by_role("heading", name=en["failed_title"])).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    expect(page.locator('[data-state="failed"] .redirecting')).to_have_text(en["redirecting"])
    assert_accessible(page, "idv failed")
    page.wait_for_url(started["error_url"])
    assert_clean(phone, world.served.base, redirect_url=started["error_url"])
    http, headers = world.served.http, tenant.headers
    assert http.get("/api/v1/compliance/points", headers=headers).json()["points"] == cost - 1  # nothing charged
    task = http.get(f"{IDV}/{started['idv_task_id']}", headers=headers).json()
    assert task["progress"] == "initiated", task  # no result written: the tenant may grant points and retry

    # The other link, opened after its token lapsed: the page says so and sends the customer to error_url.
    clock.travel(get_settings().idv_token_ttl_seconds + 1)
    try:
        late = open_page(world.browser.new_context(**PHONE), lapsing["url"])
        expect(late.page.get_by_role("heading", name=en["expired_title"])).to_be_visible()
        late.page.wait_for_url(lapsing["error_url"])
    finally:
        clock.reset()
    visits = [path for path, _ in world.served.site.requests if path.startswith("/idv-")]
    assert visits[-2:] == ["/idv-error", "/idv-error"]
