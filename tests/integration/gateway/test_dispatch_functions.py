"""provider_dispatch and dispatch_sweeper answer their events/ samples as Lambda invokes them."""

from __future__ import annotations

from typing import Any

from tests.conftest import assert_collector_resumed, load_event, load_function, make_tenant
from tests.integration.gateway_support import SAMPLE_APPLICATION_ID, SAMPLE_TENANT, seed_sample_application


def test_dispatch_function_handles_its_sample_event(aws: Any, lambda_context: Any, lambda_runtime: None) -> None:
    from kycgate.core import clock
    from kycgate.gateway import store

    make_tenant("Sample tenant", tenant_id=SAMPLE_TENANT)
    seed_sample_application()  # kycgate's provider, params without photos: refused, not retried
    assert load_function("provider_dispatch")(load_event("provider_dispatch"), lambda_context) == {
        "batchItemFailures": []
    }
    assert_collector_resumed()
    application = store.get_application(SAMPLE_TENANT, SAMPLE_APPLICATION_ID)
    assert application is not None and application["status"] == "failed"
    assert "id_photo is required" in application["description"]
    # Failed: off the sweeper's index, on replay's.
    assert store.failed_applications(SAMPLE_TENANT) == [(SAMPLE_TENANT, SAMPLE_APPLICATION_ID)]
    assert store.overdue_pending(clock.now() + 10**6, 10) == []


def test_sweeper_function_handles_its_sample_event(aws: Any, lambda_context: Any, lambda_runtime: None) -> None:
    assert load_function("dispatch_sweeper")(load_event("dispatch_sweeper"), lambda_context) == {"resent": 0}
    assert_collector_resumed()


def test_a_duplicate_message_finds_the_lease_taken(aws: Any) -> None:
    """Two dispatchers of one application: the second finds the first's lease and drops its message."""
    from kycgate.core import clock
    from kycgate.gateway import service, store

    make_tenant("Sample tenant", tenant_id=SAMPLE_TENANT)
    seed_sample_application()
    application = store.get_application(SAMPLE_TENANT, SAMPLE_APPLICATION_ID)
    assert application is not None
    leased = store.claim(
        SAMPLE_TENANT, SAMPLE_APPLICATION_ID, seen_sweep_key=application["GSI2SK"], until=clock.now() + 120
    )
    assert leased is not None
    ref = service.DispatchRef(SAMPLE_TENANT, SAMPLE_APPLICATION_ID)
    assert service.dispatch(ref, final_attempt=False) == "done"
    assert store.get_application(SAMPLE_TENANT, SAMPLE_APPLICATION_ID)["status"] == "pending"  # untouched
    # Nor does the sweeper take it before the lease (and its grace) is over.
    assert service.sweep_pending() == 0
