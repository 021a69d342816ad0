"""Account security from Python: password reset by e-mail, the second factor (enrolment, sign-in
with a code, recovery codes, replay refused), roles that must have one, and sessions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import hms

from conftest import NOW, PASSWORD, Clinic, build_clinic


def totp(secret_base32: str, at: datetime, step_offset: int = 0) -> str:
    """RFC 6238: the six-digit SHA-1 code of the 30-second step containing `at`."""
    key = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    counter = int(at.timestamp()) // 30 + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def test_the_rfc_6238_vector_checks_the_helper() -> None:
    # Appendix B, T = 59, SHA-1, as six digits: 94287082 -> 287082.
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp(secret, datetime.fromtimestamp(59).astimezone()) == "287082"


def reset_token(hospital: hms.Hospital, to: str, now: datetime) -> str:
    mails = [m for m in hospital.claim_emails(now=now) if m.to == to and m.subject == "Reset your password"]
    match = re.search(r"\b[0-9a-f]{32}\.[0-9a-f]{64}\b", mails[-1].body)
    assert match, mails[-1].body
    return match.group(0)


def test_password_reset(clinic: Clinic) -> None:
    h = clinic.hospital
    # Known and unknown addresses: the same answer (none), and no error.
    h.request_password_reset("patient1@example.org", now=NOW)
    h.request_password_reset("nobody@example.org", now=NOW)
    token = reset_token(h, "patient1@example.org", NOW)
    # Claimed but not yet marked sent, it is due again after its lease: sealed in the outbox.
    queued = [m for m in h.emails_due(now=NOW + timedelta(hours=1)) if m.subject == "Reset your password"]
    assert len(queued) == 1 and "[[sealed:v1." in queued[0].body and token not in queued[0].body
    with pytest.raises(hms.ValidationError):
        h.reset_password(token, "short", now=NOW)
    h.reset_password(token, "a brand new passphrase", now=NOW)
    with pytest.raises(hms.ValidationError):
        h.reset_password(token, "another new passphrase", now=NOW)
    h.login("patient1@example.org", "a brand new passphrase", now=NOW)
    # An admin forces one; patients may not.
    clinic.admin.force_password_reset(clinic.patient_id, now=NOW)
    assert reset_token(h, "patient1@example.org", NOW + timedelta(seconds=1))
    with pytest.raises(hms.PermissionDeniedError):
        clinic.other.force_password_reset(clinic.patient_id, now=NOW)


def test_second_factor(clinic: Clinic) -> None:
    h = clinic.hospital
    me = clinic.patient
    enrolment = me.begin_second_factor(now=NOW)
    assert enrolment.otpauth_uri.startswith("otpauth://totp/")
    codes = me.confirm_second_factor(totp(enrolment.secret_base32, NOW), now=NOW)
    assert len(codes) == 10 and me.second_factor().enabled
    later = NOW + timedelta(minutes=5)
    with pytest.raises(hms.UnauthenticatedError, match="second factor"):
        h.login("patient1@example.org", PASSWORD, now=later)
    code = totp(enrolment.secret_base32, later)
    h.login("patient1@example.org", PASSWORD, code=code, now=later)
    with pytest.raises(hms.UnauthenticatedError):
        h.login("patient1@example.org", PASSWORD, code=code, now=later)  # used once already
    h.login("patient1@example.org", PASSWORD, code=codes[0], now=later)
    assert me.second_factor().recovery_codes_left == 9
    with pytest.raises(hms.ValidationError):
        me.disable_second_factor("000000", now=later)
    me.disable_second_factor(totp(enrolment.secret_base32, later, 1), now=later)
    h.login("patient1@example.org", PASSWORD, now=later)


def test_roles_that_must_have_a_second_factor(tmp_path: Path) -> None:
    h = hms.Hospital.open(tmp_path / "hms.db", time_zone="Europe/London", fast_password_hashing=True, require_second_factor=["nurse"])
    clinic = build_clinic(h)
    nurse = h.login("nurse@example.org", PASSWORD, now=NOW)
    with pytest.raises(hms.PermissionDeniedError, match="second factor"):
        nurse.list_appointments(now=NOW)
    enrolment = nurse.begin_second_factor(now=NOW)
    nurse.confirm_second_factor(totp(enrolment.secret_base32, NOW), now=NOW)
    h.login("nurse@example.org", PASSWORD, code=totp(enrolment.secret_base32, NOW, 1), now=NOW).list_appointments(now=NOW)
    assert clinic.patient.list_appointments(now=NOW).total == 0, "patients are not asked"


def test_sessions(clinic: Clinic) -> None:
    assert clinic.patient.sessions(now=NOW) == []
    with pytest.raises(hms.PermissionDeniedError):
        clinic.patient.end_user_sessions(clinic.other_id, now=NOW)
    assert clinic.admin.end_user_sessions(clinic.other_id, now=NOW) == 0
