"""The report as PDF through the real handlers against moto: reports_api answers application/pdf
base64-encoded for API Gateway, and publish_reports stores the PDF beside each page and mails
both links."""

from __future__ import annotations

import base64
import io
import re
from urllib.parse import urlparse

import requests
from pypdf import PdfReader

from tests.conftest import LocalAws
from tests.integration.support import Ports, emails, header_of, invoke
from tests.integration.test_metrics_report_api import QUITO_MANAGER, report_request, seed
from tests.integration.test_publish_reports import FIRST_OF_DECEMBER, SCOPES, bucket_keys, company, scheduled

_PDF_LINK = re.compile(r"(http://[^\s\"<>]+/reports/2026-11/[^\s\"<>]+\.pdf\?[^\s\"<>]+)")


def text_of(document: bytes) -> str:
    reader = PdfReader(io.BytesIO(document))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_report_comes_as_a_pdf_encoded_for_api_gateway(lambda_env: LocalAws, ports: Ports) -> None:
    seed(ports)
    answer = invoke("reports_api", report_request(QUITO_MANAGER, period="2026-11", format="pdf"))

    assert answer["statusCode"] == 200
    assert header_of(answer, "Content-Type") == "application/pdf"
    assert header_of(answer, "Content-Disposition") == (
        'inline; filename="report-branch-quito-norte-2026-11.es.pdf"'
    )
    assert answer["isBase64Encoded"] is True
    document = base64.b64decode(answer["body"], validate=True)
    assert document.startswith(b"%PDF-")
    text = text_of(document)
    # In her language (Spanish), the same NPS as the page: (20 - 10) / 40.
    assert "Quito Norte (branch:quito-norte)" in text and "2026-11" in text
    assert "25,0" in text and "Informe de experiencia del cliente" in text
    assert "touchpoint:quito-norte/claims" in text
    english = invoke("reports_api", report_request(QUITO_MANAGER, period="2026-11", format="pdf", lang="en"))
    assert "Customer experience report" in text_of(base64.b64decode(english["body"]))


def test_a_scope_outside_the_callers_stays_hidden_as_pdf_too(lambda_env: LocalAws, ports: Ports) -> None:
    seed(ports)
    hidden = invoke(
        "reports_api", report_request(QUITO_MANAGER, scope="country:EC", period="2026-11", format="pdf")
    )
    assert hidden["statusCode"] == 404 and not hidden.get("isBase64Encoded")


def test_each_report_is_stored_as_page_and_pdf_and_the_email_links_both(
    lambda_env: LocalAws, ports: Ports
) -> None:
    company(ports)

    summary = invoke("publish_reports", scheduled(FIRST_OF_DECEMBER))

    assert summary["stored"] == SCOPES and summary["failures"] == 0
    keys = bucket_keys(lambda_env)
    pages = [key for key in keys if key.endswith(".html")]
    assert len(pages) == SCOPES and sorted(k.removesuffix(".html") + ".pdf" for k in pages) == sorted(
        key for key in keys if key.endswith(".pdf")
    )
    s3, bucket = lambda_env.clients["s3"], lambda_env.env["BUCKET_REPORTS_NAME"]
    stored = s3.get_object(Bucket=bucket, Key="reports/2026-11/branch/quito-norte/report.es.pdf")
    assert stored["ContentType"] == "application/pdf"
    document = stored["Body"].read()
    assert document.startswith(b"%PDF-")
    # November only: 35 promoters, 13 passives, 22 detractors of 70 -> NPS 18.6.
    text = text_of(document)
    assert "18,6" in text and "quito-norte/counter" in text and "madrid-centro" not in text

    quito_norte = next(
        email
        for email in emails()
        if email.destinations["ToAddresses"][0] == "veronica.salgado@segurosandinos.example"
    )
    assert "El mismo informe en PDF" in quito_norte.body
    link = _PDF_LINK.search(quito_norte.body)
    assert link, quito_norte.body
    url = link.group(1).replace("&amp;", "&")
    assert urlparse(url).path.endswith("/reports/2026-11/branch/quito-norte/report.es.pdf")
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200 and fetched.content == document
