"""Resume PDFs parsed server-side with pypdf, and sessions tailored to what they mention."""

import base64

import pytest
from pdf_samples import bomb_pdf, text_pdf

from interview import service
from interview.resume import pdf_text
from practice_shared import errors
from practice_shared.models.api import CreateSessionRequest

RESUME = [
    "Jane Doe - Site Reliability Engineer",
    "Ran Kubernetes clusters for 40 services; wrote Terraform modules for every environment.",
    "Built Prometheus alerting and on-call runbooks.",
]


def encoded(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_the_text_of_a_pdf_resume_is_extracted():
    text = pdf_text(encoded(text_pdf(RESUME)))
    assert "Kubernetes clusters" in text and "Terraform modules" in text and "\n" not in text


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"Plain text pretending to be a resume", errors.UnsupportedMedia),
        (b"%PDF-1.4\n garbage without objects", errors.BadRequest),
        (text_pdf([]), errors.BadRequest),  # a page with no text, like a scan
        (bomb_pdf(), errors.BadRequest),  # 0.1 MB inflating to 80 MB: over pypdf's limit, not a server error
    ],
)
def test_unreadable_resumes_get_a_clear_error(data: bytes, error: type[errors.AppError]):
    with pytest.raises(error) as exc:
        pdf_text(encoded(data))
    assert exc.value.message and exc.value.status in (400, 415)


def test_invalid_base64_is_refused():
    with pytest.raises(errors.BadRequest):
        pdf_text("not base64 at all!")


def test_a_session_created_with_a_resume_pdf_is_tailored_to_it(aws_tables):
    request = CreateSessionRequest(
        role="devops_engineer",
        level="senior",
        interview_type="technical",
        num_questions=4,
        resume_pdf_base64=encoded(text_pdf(RESUME)),
    )
    view = service.create_session("resume-user", request)
    assert "Terraform" in (view.session.config.resume_text or "")
    reasons = " ".join(p.reason for p in view.session.plan).lower()
    assert "kubernetes" in reasons or "terraform" in reasons or "prometheus" in reasons, reasons
