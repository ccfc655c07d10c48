"""DD tasks (seed 001 "DD - KYB & KYC") over HTTP on moto: a person written another way and a company
with another legal form rate high with the explanation, a clean name low, one review decision (then
409), callbacks verified with standardwebhooks, ongoing monitoring after a second list import and a
moved clock, and task ids unique under concurrent creates."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from kycgate.compliance.dd import monitoring, service
from kycgate.compliance.lists import importer
from kycgate.core import clock
from tests.conftest import TenantHandle, atomic_moto, load_event, load_function
from tests.integration.kya_support import analyst_fixture, listed_fixture  # noqa: F401 (fixtures)
from tests.integration.webhooks_support import drain_until_empty, receiver, secret_of
from tests.unit.compliance.lists_support import ETH, OFAC

DD = "/api/v1/compliance"
ZAWAHIRI = "ofac_sdn:2676"


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _default_setting(client: Any, tenant: TenantHandle) -> dict[str, Any]:
    (setting,) = _ok(client.get(f"{DD}/search-settings", headers=tenant.headers))["data"]
    return setting


def test_screen_review_and_call_back(client: Any, listed: None, analyst: TenantHandle) -> None:
    setting = _default_setting(client, analyst)
    assert setting["is_default"] and setting["search_source"] == [4] and setting["match_threshold"] == 0.85
    with receiver() as hook:
        body = [
            {
                "search_setting_id": setting["search_setting_id"],
                "target": {"name": "Aiman al Zawahiri", "birthday": "1951-06-19", "citizenship": "EG"},
                "callback_url": hook.url,
                "customer_reference": "cus-1",
            },
            {
                "search_setting_id": setting["search_setting_id"],
                "target": {"company_name": "Havin Bank Ltd", "country": "GB"},
                "customer_reference": "cus-2",
            },
            {
                "search_setting_id": setting["search_setting_id"],
                "target": {"name": "Jean-Pierre Dubois", "birthday": "1980-02-03", "gender": "M"},
                "customer_reference": "cus-1",
            },
        ]
        person, company, clean = _ok(client.post(f"{DD}/task", json=body, headers=analyst.headers), 201)
        assert [t["task_id"] for t in (person, company, clean)] == [1, 2, 3]
        assert person["report"]["risk_rating"] in ("high", "very_high")
        assert person["report"]["potential_risk"] >= 75 and person["report"]["sanction_matched"]
        assert company["report"]["risk_rating"] in ("high", "very_high")
        assert clean["report"]["risk_rating"] == "low" and clean["report"]["potential_risk"] < 25
        assert person["progress"] == 100 and person["task_origin"] == 1

        details = _ok(client.get(f"{DD}/task/1/details", headers=analyst.headers))
        top = details["result"]["hits"][0]
        assert {h["uid"] for h in details["result"]["hits"]} == {ZAWAHIRI, "un_consolidated:QDi.006"}
        assert "=" in top["explanation"]["combination"] and top["explanation"]["token_pairs"]
        assert "Sanctions match" in details["aml_summarization"] and "ZAWAHIRI" in details["aml_summarization"]
        assert details["employee_name"] == "Eric Hung" and details["employee_account"] == "eric.hung@example.com"
        assert details["audit_status"] == 0 and details["completed_source"] == 1 and details["search_source"] == [4]
        assert details["next_review_at"] == details["creation_time"] + 30 * 86_400
        company_hit = _ok(client.get(f"{DD}/task/2/details", headers=analyst.headers))["result"]["hits"][0]
        assert company_hit["uid"] == "ofac_sdn:906" and company_hit["matched_name"] == "HAVIN BANK LIMITED"

        decided = client.post(
            f"{DD}/task/1/accepted", json={"comment": "same person", "accepted": False}, headers=analyst.headers
        )
        assert _ok(decided) == {"task_id": 1, "comment": "same person", "accepted": False}
        again = client.post(
            f"{DD}/task/1/accepted", json={"comment": "changed", "accepted": True}, headers=analyst.headers
        )
        assert again.status_code == 409 and "already rejected" in again.json()["detail"]
        reviewed = _ok(client.get(f"{DD}/task/1/details", headers=analyst.headers))
        assert (reviewed["audit_status"], reviewed["comment"], reviewed["auditor_employee_name"]) == (
            2,
            "same person",
            "Eric Hung",
        )
        assert [log["comment"] for log in reviewed["comment_logs"]] == ["same person"]

        assert _ok(
            client.post(f"{DD}/task/1/metadata", json=[{"key": "desk", "value": "eu"}], headers=analyst.headers)
        ) == {"code": 0}
        assert _ok(client.get(f"{DD}/task/1/details", headers=analyst.headers))["metadata"] == {"desk": "eu"}

        history = _ok(
            client.get(
                f"{DD}/task/history",
                params={"customer_reference": "cus-1", "page_size": 1, "page_number": 1},
                headers=analyst.headers,
            )
        )
        assert [t["task_id"] for t in history["data"]] == [3] and history["paging"]["total"] == 2

        drain_until_empty()
        # a standard queue keeps no order: the decision's callback is the one with an audit_time
        created, accepted = sorted(hook.verified(secret_of(client, analyst)), key=lambda b: b["audit_time"] or 0)
        assert created["task_id"] == 1 and created["report"]["sanction_matched"] and created["event"] == "dd_task"
        assert accepted["audit_time"] and accepted["report"] == created["report"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"search_source": [0, 4]}, 422, "supported: 4 (sanction_list)"),
        ({"search_setting_id": 99}, 422, "search setting 99 does not exist"),
        ({"target": {"name": "x", "company_name": "y"}}, 422, "name"),
        ({"target": {"name": "Ayman", "birthday": "19-06-1951"}}, 422, "birthday"),
        ({"callback_url": "https://10.0.0.1/hook"}, 422, "callback_url"),
    ],
)
def test_bad_tasks_are_refused_and_none_stored(
    client: Any, listed: None, analyst: TenantHandle, body: dict[str, Any], status: int, words: str
) -> None:
    good = {"search_setting_id": 1, "target": {"name": "Ayman"}}
    response = client.post(f"{DD}/task", json=[good, {**good, **body}], headers=analyst.headers)
    assert response.status_code == status, response.text
    assert words in response.text
    history = client.get(f"{DD}/task/history", params={"page_size": 10, "page_number": 1}, headers=analyst.headers)
    assert _ok(history)["data"] == []


def test_search_settings_are_the_tenants_own(
    client: Any, listed: None, analyst: TenantHandle, tenant_b: TenantHandle
) -> None:
    created = _ok(
        client.post(
            f"{DD}/search-settings",
            json={"name": "strict", "match_threshold": 0.95, "monitoring_interval_days": 0},
            headers=analyst.headers,
        ),
        201,
    )
    assert created["search_setting_id"] == 2 and not created["is_default"]
    patched = client.patch(
        f"{DD}/search-settings",
        json={"search_setting_id": 2, "birth_date_mismatch_excludes": True},
        headers=analyst.headers,
    )
    assert _ok(patched)["birth_date_mismatch_excludes"] is True
    assert (
        client.patch(
            f"{DD}/search-settings", json={"search_setting_id": 2, "search_source": [1]}, headers=analyst.headers
        ).status_code
        == 422
    )
    assert (
        client.patch(
            f"{DD}/search-settings", json={"search_setting_id": 2, "name": "x"}, headers=tenant_b.headers
        ).status_code
        == 404
    )
    assert [s["search_setting_id"] for s in _default_setting_list(client, tenant_b)] == [1]
    task = _ok(
        client.post(
            f"{DD}/task",
            json=[{"search_setting_id": 2, "target": {"name": "Aiman al Zawahiri"}}],
            headers=analyst.headers,
        ),
        201,
    )[0]
    assert task["search_setting"]["match_threshold"] == 0.95
    assert _ok(client.get(f"{DD}/task/{task['task_id']}/details", headers=analyst.headers))["next_review_at"] is None
    assert client.get(f"{DD}/task/{task['task_id']}/details", headers=tenant_b.headers).status_code == 404


def _default_setting_list(client: Any, tenant: TenantHandle) -> list[dict[str, Any]]:
    return _ok(client.get(f"{DD}/search-settings", headers=tenant.headers))["data"]


def test_idv_entry_point_creates_a_task_from_read_identity(client: Any, listed: None, analyst: TenantHandle) -> None:
    from kycgate.core.tenants import caller_for_key

    caller = caller_for_key(analyst.api_key)
    assert caller is not None
    task_id = service.create_task_for_idv(
        caller,
        name="Ayman al-Zawahiri",
        birthday="1951-06-19",
        citizenship="EGY",
        search_setting_id=1,
        callback_url=None,
        from_idv_id=7,
    )
    details = _ok(client.get(f"{DD}/task/{task_id}/details", headers=analyst.headers))
    assert (
        details["from_idv_id"] == 7
        and _ok(client.get(f"{DD}/task/{task_id}/summary", headers=analyst.headers))["task_origin"] == 2
        and details["potential_risk"] == 100
    )


def test_monitoring_rescreens_after_a_list_import_and_when_due(
    client: Any, listed: None, analyst: TenantHandle, lambda_context: Any
) -> None:
    with receiver() as hook:
        body = [{"search_setting_id": 1, "target": {"name": "Aiman al Zawahiri"}, "callback_url": hook.url}]
        _ok(client.post(f"{DD}/task", json=body, headers=analyst.headers), 201)
        before = _ok(client.get(f"{DD}/task/1/details", headers=analyst.headers))
        assert monitoring.review() == {"reviewed": 1, "changed": 0}  # the first run sees the live lists
        assert monitoring.review() == {"reviewed": 0, "changed": 0}  # nothing due, lists unchanged

        # A second import without the UN list: the task's UN hit goes, so its result changes.
        importer.import_lists([str(OFAC), str(ETH)], allow_shrink=True)
        assert monitoring.review() == {"reviewed": 1, "changed": 1}
        after = _ok(client.get(f"{DD}/task/1/details", headers=analyst.headers))
        assert after["result"]["report_version"] == 2
        assert [r["report_version"] for r in after["result"]["previous_reports"]] == [1]
        assert after["result"]["previous_reports"][0]["potential_risk"] == before["potential_risk"]
        assert {h["source"] for h in after["result"]["hits"]} == {"ofac_sdn"}
        assert {h["source"] for h in before["result"]["hits"]} >= {"ofac_sdn", "un_consolidated"}

        clock.travel(31 * 86_400)  # due again: re-screened, unchanged, next review moved on
        review_dd_tasks = load_function("review_dd_tasks")  # the scheduled function, on its sample event
        assert review_dd_tasks(load_event("review_dd_tasks"), lambda_context) == {"reviewed": 1, "changed": 0}
        moved = _ok(client.get(f"{DD}/task/1/details", headers=analyst.headers))
        assert moved["next_review_at"] > after["next_review_at"]

        drain_until_empty()
        bodies = hook.verified(secret_of(client, analyst))
        assert sorted(b["report"]["report_version"] for b in bodies) == [1, 2]  # a standard queue keeps no order


def test_task_ids_stay_unique_under_concurrent_creates(listed: None, analyst: TenantHandle) -> None:
    from kycgate.compliance.dd.schemas import CreateSearchTaskRequest
    from kycgate.core.tenants import caller_for_key

    caller = caller_for_key(analyst.api_key)
    assert caller is not None
    request = CreateSearchTaskRequest.model_validate({"search_setting_id": 1, "target": {"name": "John Smith"}})
    made: list[int] = []
    with atomic_moto():
        threads = [
            threading.Thread(target=lambda: made.extend(t.task_id for t in service.create_tasks(caller, [request])))
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(made) == list(range(1, 9))
