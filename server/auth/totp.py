"""TOTP second factor (RFC 6238) and single-use recovery codes."""

from __future__ import annotations

import base64
import hashlib
import io
import secrets
import time

import pyotp
import qrcode
import qrcode.image.svg

ISSUER = "ФРМР"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, login: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=ISSUER)


def qr_svg_base64(uri: str) -> str:
    img = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage)
    buf = io.BytesIO()
    img.save(buf)
    return base64.b64encode(buf.getvalue()).decode()


def matching_step(secret: str, code: str, last_step: int, now: float | None = None) -> int | None:
    """The time step the code belongs to (±1 step of clock drift), if newer than last_step.

    Returning the step lets the caller remember it, so a code observed once cannot be replayed.
    """
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    step_now = int(now) // totp.interval
    for step in (step_now, step_now - 1, step_now + 1):
        if step > last_step and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes(n: int = 10) -> list[str]:
    return ["-".join(secrets.token_hex(2) for _ in range(3)) for _ in range(n)]


def recovery_hash(code: str) -> str:
    return hashlib.sha256(code.strip().lower().encode()).hexdigest()
