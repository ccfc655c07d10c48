"""Harness rows of the upload flow (issue 13.2): presigned S3 POSTs for a tenant key and for a phone's token.

``create_upload`` needs no row (its body is an enum the filler picks). The session route's token is a KYC
submit link's, the phone's usual one; a Re-Use KYC or IDV token is answered the same way
(tests/integration/test_uploads.py).
"""

from __future__ import annotations

from tests.reliability.harness import BODY_RECIPES, kyc_link

BODY_RECIPES.update(
    {
        "CreateSessionUploadRequest": lambda world, tenant: {
            "token": kyc_link(world, tenant)["token"],
            "content_type": "image/png",
        },
    }
)
