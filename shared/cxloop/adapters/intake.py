"""The intake bucket: files to import are read from incoming/, each import's report is written
to reports/ (the only two prefixes the import function may touch).

A file is copied to a spooled temporary file before it is read: CSV rows are then read as a
stream and openpyxl gets the seekable file a workbook (a zip) needs, while memory holds at
most SPOOL_IN_MEMORY_BYTES of it (Lambda's /tmp takes the rest). Reports are spooled the same
way and put once, whole, when the import ends.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Mapping
from typing import IO, Any

from pydantic import ConfigDict

from cxloop.adapters.aws import client, translated
from cxloop.domain.intake.import_events import REPORT_HEADER, ImportSummary, ReportLine
from cxloop.domain.kernel.modelling import DomainModel

SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024
_PREFIX, _SUFFIX = "BUCKET_", "_NAME"


class IntakeSettings(DomainModel):
    """The intake bucket, from BUCKET_INTAKE_NAME (infra.pipeline's env_name_for), validated at
    cold start like cxloop.config's Settings."""

    model_config = ConfigDict(frozen=True)

    buckets: dict[str, str]

    def bucket(self, name: str) -> str:
        if name not in self.buckets:
            raise RuntimeError(f"{_PREFIX}{name.upper()}{_SUFFIX} is not configured for this function")
        return self.buckets[name]


def intake_settings_from(env: Mapping[str, str] | None = None) -> IntakeSettings:
    env = os.environ if env is None else env
    return IntakeSettings(
        buckets={
            key.removeprefix(_PREFIX).removesuffix(_SUFFIX).lower(): value
            for key, value in env.items()
            if key.startswith(_PREFIX) and key.endswith(_SUFFIX) and value
        }
    )


class ReportFile:
    """The report's CSV lines, spooled until they are put (ReportLine.cells keeps them inert)."""

    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES, mode="w+b")  # noqa: SIM115
        self._text = io.TextIOWrapper(self._file, encoding="utf-8", newline="")
        self._writer = csv.writer(self._text)
        self._writer.writerow(REPORT_HEADER)
        self.lines = 0

    def add(self, line: ReportLine) -> None:
        self._writer.writerow(line.cells())
        self.lines += 1

    def body(self) -> IO[bytes]:
        self._text.flush()
        self._file.seek(0)
        return self._file

    def close(self) -> None:
        self._text.close()


class S3Intake:
    def __init__(self, bucket: str, s3: Any | None = None) -> None:
        self.bucket = bucket
        self._client = s3

    @property
    def s3(self) -> Any:
        return self._client or client("s3")

    def download(self, key: str, version_id: str | None = None) -> IO[bytes]:
        """The object (that very version, when named) in a spooled temporary file, rewound."""
        from boto3.s3.transfer import TransferConfig  # noqa: PLC0415 - boto3 loads on first use (cxloop.adapters.aws)

        spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES, mode="w+b")  # noqa: SIM115
        extra = {"VersionId": version_id} if version_id else None
        with translated(f"s3 get_object {key}"):
            # On this thread: a day's extract needs no parallel ranged reads, and the calls stay
            # the invoking function's (the IAM contract test records them: cxloop.adapters.call_log).
            self.s3.download_fileobj(
                self.bucket, key, spooled, ExtraArgs=extra, Config=TransferConfig(use_threads=False)
            )
        spooled.seek(0)
        return spooled

    def put_report(self, key: str, report: ReportFile, summary: ImportSummary) -> None:
        """The report, with the import's counts as object metadata (readable without opening it)."""
        metadata = {name: str(value).lower() for name, value in summary.as_json().items()}
        with translated(f"s3 put_object {key}"):
            self.s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=report.body(),
                ContentType="text/csv; charset=utf-8",
                Metadata=metadata,
            )
