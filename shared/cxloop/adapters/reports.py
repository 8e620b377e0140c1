"""The reports bucket: each period's report pages and PDFs, read through presigned GET links
(functions/publish_reports)."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

from cxloop.adapters.aws import new_session, translated
from cxloop.adapters.call_log import watch


class S3ReportStore:
    """Reports (pages and PDFs) in the reports bucket, read through presigned GET links."""

    def __init__(self, bucket: str, s3: Any | None = None) -> None:
        self.bucket = bucket
        self._client = s3

    @property
    def s3(self) -> Any:
        if self._client is None:
            self._client = _signing_s3_client()
        return self._client

    def put(self, key: str, body: bytes, content_type: str) -> None:
        with translated("s3 put report"):
            self.s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType=content_type,
                # A report is a snapshot of its period: browsers may keep it, proxies may not.
                CacheControl="private, max-age=86400",
            )

    def link(self, key: str, *, valid_for: timedelta) -> str:
        # Signing happens locally (no call to S3); the URL grants what this role may read.
        return str(
            self.s3.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": key},
                ExpiresIn=int(valid_for.total_seconds()),
            )
        )


@cache
def _signing_s3_client() -> Any:
    """An S3 client that presigns with SigV4 (X-Amz-Expires, up to 7 days): the shared client's
    default may sign older-style URLs, which S3 refuses in the newer regions."""
    from botocore.config import Config  # noqa: PLC0415 - only this store presigns; see cxloop.adapters.aws

    session = new_session()  # cxloop's cut-down botocore data too (cxloop.adapters.aws)
    watch(session)  # a presigned URL is signed with the function's role: the IAM test checks it
    return session.client("s3", config=Config(signature_version="s3v4"))
