"""Resume PDFs parsed server-side with pypdf."""

import base64
import binascii
import io

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from practice_shared.errors import BadRequest, UnsupportedMedia

MAX_PAGES = 20
MAX_CHARS = 30_000


def pdf_text(pdf_base64: str) -> str:
    """The text of a base64-encoded PDF resume (first pages only), whitespace-normalized."""
    try:
        data = base64.b64decode(pdf_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadRequest("The resume is not valid base64.") from exc
    if not data.startswith(b"%PDF"):
        raise UnsupportedMedia("The resume must be a PDF file.")
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages[:MAX_PAGES]]
    except (PyPdfError, ValueError, KeyError, OSError) as exc:  # PyPdfError: unreadable, or over its limits
        raise BadRequest(
            "The resume PDF could not be read: export it again as a PDF, or start without a resume."
        ) from exc
    text = " ".join(" ".join(pages).split())
    if not text:
        raise BadRequest(
            "No text was found in the resume PDF (is it a scanned image?): export it as a PDF with selectable text, or "
            "start without a resume."
        )
    return text[:MAX_CHARS]
