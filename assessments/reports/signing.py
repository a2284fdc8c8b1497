"""Optional PAdES signature of report PDFs (pyHanko), with the key and certificate named in the settings.

``REPORT_SIGNING_KEY`` and ``REPORT_SIGNING_CERT`` are paths to a PEM private key and its certificate
(``REPORT_SIGNING_PASSPHRASE`` if the key is encrypted). Unset, reports are not signed. The signature is
an incremental update (PAdES baseline B, SHA-256, invisible field) so the PDF/A-3 content and the
embedded JSON stay byte for byte as rendered; the signing time is printed in the report and stored.
"""

import io
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

SIGNATURE_KIND = "pades-b"


@dataclass(frozen=True)
class SigningIdentity:
    subject: str
    signer: object


def signing_identity() -> SigningIdentity | None:
    key, cert = getattr(settings, "REPORT_SIGNING_KEY", ""), getattr(settings, "REPORT_SIGNING_CERT", "")
    if not (key and cert):
        return None
    from pyhanko.sign import signers

    passphrase = getattr(settings, "REPORT_SIGNING_PASSPHRASE", "") or None
    signer = signers.SimpleSigner.load(key, cert, key_passphrase=passphrase.encode() if passphrase else None)
    if signer is None:
        raise ValueError("the report signing key or certificate could not be read")
    return SigningIdentity(signer.signing_cert.subject.human_friendly, signer)


def sign_pdf(data: bytes, identity: SigningIdentity) -> tuple[bytes, object]:
    """(the signed PDF, the signing time)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    at = timezone.now()
    meta = signers.PdfSignatureMetadata(field_name="ReportSignature", md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES,
                                        reason="Content of this report as generated", name=identity.subject)
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    out = signers.sign_pdf(writer, meta, signer=identity.signer)
    return out.getvalue(), at
