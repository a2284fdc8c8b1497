"""Optional PAdES signature: with a key and certificate in the settings the PDF is signed, the signing
time is printed and stored, and the signed file still verifies."""

import datetime
import io

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.core.management import call_command
from pypdf import PdfReader

from .conftest import generate, pdf_text


def self_signed(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Report Signer Test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    key_path, cert_path = tmp_path / "key.pem", tmp_path / "cert.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


def test_reports_are_signed_when_a_key_is_configured(seeded, people, settings, tmp_path,
                                                     django_capture_on_commit_callbacks):
    system, _ = seeded
    settings.REPORT_SIGNING_KEY, settings.REPORT_SIGNING_CERT = self_signed(tmp_path)
    report = generate(system, people[0], "pia", django_capture_on_commit_callbacks)
    assert report.status == "done", report.error
    assert report.signature == "pades-b" and report.signed_at is not None
    data = report.file.read()
    reader = PdfReader(io.BytesIO(data))
    fields = reader.get_fields()
    sig = fields["ReportSignature"]["/V"]
    assert sig["/SubFilter"] == "/ETSI.CAdES.detached" and sig["/Filter"] == "/Adobe.PPKLite"
    assert "PAdES signature by Common Name: Report Signer Test, signed at" in pdf_text(data)
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    call_command("verify_report", str(path), stdout=io.StringIO())  # the signed file verifies


def test_reports_are_unsigned_without_a_key(seeded, people, settings, django_capture_on_commit_callbacks):
    system, _ = seeded
    settings.REPORT_SIGNING_KEY = settings.REPORT_SIGNING_CERT = ""
    report = generate(system, people[0], "pia", django_capture_on_commit_callbacks)
    assert report.signature == "" and report.signed_at is None
    assert "Signature not signed" in pdf_text(report.file.read())
