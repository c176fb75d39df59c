"""Key containers with ГОСТ keys: PKCS#12 (.pfx/.p12) and PEM/DER key + certificate files.

pyca/cryptography refuses any PKCS#12 holding a GOST key ("Invalid password or PKCS12 data"
even when the password is right), so such containers are opened here with asn1crypto:

* integrity: the MAC with SHA-1/SHA-2 (RFC 7292 key derivation) or with Streebog
  (Р 50.1.112-2016: PBKDF2-HMAC-Streebog, last 32 of 96 bytes as the HMAC key);
* bags: PBES2 with PBKDF2 (HMAC-SHA-x or HMAC-Streebog) and AES-CBC or ГОСТ 28147-89 CFB
  (S-box set ТК26 Z, CryptoPro key meshing), what OpenSSL and КриптоПро CSP 5 export.

Containers that need a crypto provider (КриптоПро's own key folders, a token) cannot be
read by any library; the messages say what to export instead.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import core, keys, pem
from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from desktop.documents import gost
from desktop.i18n import tr

gost.register_asn1()

WRONG_PASSWORD = "Неверный пароль к файлу сертификата."

_HMAC_STREEBOG = {"1.2.643.7.1.1.4.1": 256, "1.2.643.7.1.1.4.2": 512}
_SHA_PRF: dict[str, type[hashes.SHA1 | hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "1.2.840.113549.2.7": hashes.SHA1,
    "1.2.840.113549.2.9": hashes.SHA256,
    "1.2.840.113549.2.10": hashes.SHA384,
    "1.2.840.113549.2.11": hashes.SHA512,
}
_AES = {"2.16.840.1.101.3.4.1.2": 16, "2.16.840.1.101.3.4.1.22": 24, "2.16.840.1.101.3.4.1.42": 32}
_GOST89 = "1.2.643.2.2.21"
_SBOX_Z = "1.2.643.7.1.2.5.1.1"
_PBES2 = "1.2.840.113549.1.5.13"
_PBKDF2 = "1.2.840.113549.1.5.12"


@dataclass
class Loaded:
    key: gost.GostPrivateKey
    cert: asn1_x509.Certificate
    chain: list[asn1_x509.Certificate]


# ---------------------------------------------------------------- primitives


class _HmacStreebog:
    """HMAC-Streebog (Р 50.1.113-2016) with the key blocks hashed once: PBKDF2 then costs
    two compressions less per round."""

    def __init__(self, key: bytes, bits: int) -> None:
        if len(key) > 64:
            key = gost.streebog(key, bits)
        key = key.ljust(64, b"\0")
        self._inner = gost.StreebogState.new(bits).absorb(bytes(b ^ 0x36 for b in key))
        self._outer = gost.StreebogState.new(bits).absorb(bytes(b ^ 0x5C for b in key))

    def __call__(self, msg: bytes) -> bytes:
        whole = len(msg) - len(msg) % 64
        inner = self._inner.absorb(msg[:whole]).finish(msg[whole:])
        if len(inner) == 64:
            return self._outer.absorb(inner).finish(b"")
        return self._outer.finish(inner)


def _hmac_streebog(key: bytes, msg: bytes, bits: int) -> bytes:
    return _HmacStreebog(key, bits)(msg)


def _pbkdf2_streebog(password: bytes, salt: bytes, iterations: int, length: int, bits: int = 512) -> bytes:
    prf = _HmacStreebog(password, bits)
    out = b""
    block = 1
    while len(out) < length:
        u = prf(salt + block.to_bytes(4, "big"))
        acc = int.from_bytes(u, "big")
        for _ in range(iterations - 1):
            u = prf(u)
            acc ^= int.from_bytes(u, "big")
        out += acc.to_bytes(len(u), "big")
        block += 1
    return out[:length]


def _pkcs12_kdf(hash_name: str, password: bytes, salt: bytes, iterations: int, length: int) -> bytes:
    """RFC 7292 appendix B.2 with ID 3 (MAC key); ``password`` as BMPString with the two NULs."""
    h = hashlib.new(hash_name)
    u, v = h.digest_size, h.block_size
    d = b"\x03" * v

    def fill(x: bytes) -> bytes:
        if not x:
            return b""
        n = v * ((len(x) + v - 1) // v)
        return (x * (n // len(x) + 1))[:n]

    i_block = bytearray(fill(salt) + fill(password))
    out = b""
    while len(out) < length:
        a = hashlib.new(hash_name, d + bytes(i_block)).digest()
        for _ in range(iterations - 1):
            a = hashlib.new(hash_name, a).digest()
        out += a
        b = int.from_bytes((a * (v // u + 1))[:v], "big")
        for j in range(0, len(i_block), v):
            chunk = (int.from_bytes(i_block[j : j + v], "big") + b + 1) % (1 << (8 * v))
            i_block[j : j + v] = chunk.to_bytes(v, "big")
    return out[:length]


# ГОСТ 28147-89 (RFC 5830) with the ТК26 «Z» S-box (RFC 7836 = the «Магма» π of ГОСТ Р 34.12-2015).
_Z = (
    (12, 4, 6, 2, 10, 5, 11, 9, 14, 8, 13, 7, 0, 3, 15, 1),
    (6, 8, 2, 3, 9, 10, 5, 12, 1, 14, 4, 7, 11, 13, 0, 15),
    (11, 3, 5, 8, 2, 15, 10, 13, 14, 1, 7, 4, 12, 9, 6, 0),
    (12, 8, 2, 1, 13, 4, 15, 6, 7, 0, 10, 5, 3, 14, 9, 11),
    (7, 15, 5, 10, 8, 1, 6, 13, 0, 9, 3, 14, 11, 4, 2, 12),
    (5, 13, 15, 6, 9, 2, 12, 10, 11, 7, 8, 1, 4, 3, 14, 0),
    (8, 14, 2, 5, 6, 9, 1, 12, 15, 4, 11, 0, 13, 10, 3, 7),
    (1, 7, 14, 13, 0, 5, 8, 3, 4, 15, 10, 6, 9, 12, 11, 2),
)
# Two nibbles per lookup: four 256-entry tables instead of eight 16-entry ones.
_Z8 = tuple(
    tuple((_Z[2 * j][x & 15] | (_Z[2 * j + 1][x >> 4] << 4)) << (8 * j) for x in range(256)) for j in range(4)
)
# RFC 4357 § 2.3.2: the constant the key is "decrypted" from every 1024 bytes.
_MESHING_KEY = bytes.fromhex("6900722264c904238d3adb9646e92ac418feac9400ed0712c086dcc2ef4ca92b")


def _g89_rounds(key: bytes, decrypt: bool) -> list[int]:
    k = [int.from_bytes(key[4 * i : 4 * i + 4], "little") for i in range(8)]
    order = k * 3 + k[::-1]
    return order[::-1] if decrypt else order


def _g89_block(sched: list[int], block: bytes) -> bytes:
    n1 = int.from_bytes(block[:4], "little")
    n2 = int.from_bytes(block[4:], "little")
    t0, t1, t2, t3 = _Z8
    for i, k in enumerate(sched):
        x = (n1 + k) & 0xFFFFFFFF
        x = t0[x & 255] | t1[(x >> 8) & 255] | t2[(x >> 16) & 255] | t3[x >> 24]
        x = ((x << 11) | (x >> 21)) & 0xFFFFFFFF
        if i < 31:
            n1, n2 = n2 ^ x, n1
        else:
            n2 ^= x
    return n1.to_bytes(4, "little") + n2.to_bytes(4, "little")


def _g89_cfb_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    enc = _g89_rounds(key, False)
    out = bytearray()
    for off in range(0, len(data), 8):
        if off and off % 1024 == 0:
            dec = _g89_rounds(key, True)
            key = b"".join(_g89_block(dec, _MESHING_KEY[i : i + 8]) for i in range(0, 32, 8))
            enc = _g89_rounds(key, False)
            iv = _g89_block(enc, iv)
        gamma = _g89_block(enc, iv)
        chunk = data[off : off + 8]
        out += bytes(a ^ b for a, b in zip(chunk, gamma, strict=False))
        iv = chunk
    return bytes(out)


# ---------------------------------------------------------------- PKCS#12


def _unsupported(what: str) -> gost.GostError:
    return gost.GostError(
        tr(
            "Контейнер зашифрован алгоритмом, который программа не поддерживает ({what}). Экспортируйте ключ в "
            "PKCS#12 заново: с шифрованием AES (OpenSSL по умолчанию) или ГОСТ 28147-89 по Р 50.1.112-2016.").format(
            what=what)
    )


def _pbes2_decrypt(algo: Any, data: bytes, password: bytes) -> bytes:
    if algo["algorithm"].dotted != _PBES2:
        raise _unsupported(str(algo["algorithm"].native))
    params = algo["parameters"]
    kdf = params["key_derivation_func"]
    enc = params["encryption_scheme"]
    if kdf["algorithm"].dotted != _PBKDF2:
        raise _unsupported(str(kdf["algorithm"].native))
    kp = kdf["parameters"]
    salt = kp["salt"].native
    iterations = int(kp["iteration_count"].native)
    prf = kp["prf"]["algorithm"].dotted
    enc_oid = enc["algorithm"].dotted
    if enc_oid in _AES:
        length = _AES[enc_oid]
    elif enc_oid == _GOST89:
        length = 32
    else:
        raise _unsupported(str(enc["algorithm"].native))
    if prf in _HMAC_STREEBOG:
        key = _pbkdf2_streebog(password, salt, iterations, length, _HMAC_STREEBOG[prf])
    elif prf in _SHA_PRF:
        key = PBKDF2HMAC(_SHA_PRF[prf](), length, salt, iterations).derive(password)
    else:
        raise _unsupported(str(kp["prf"]["algorithm"].native))
    if enc_oid in _AES:
        iv = enc["parameters"].native
        dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        padded = dec.update(data) + dec.finalize()
        pad = padded[-1] if padded else 0
        if not 1 <= pad <= 16 or padded[-pad:] != bytes([pad]) * pad:
            raise gost.GostError(WRONG_PASSWORD)
        return padded[:-pad]
    g89 = core.Sequence.load(enc["parameters"].dump())
    iv, sbox = g89[0].native, g89[1].dotted if len(g89) > 1 else None
    if sbox != _SBOX_Z:
        raise _unsupported(f"ГОСТ 28147-89 с таблицей замен {sbox}")
    return _g89_cfb_decrypt(key, iv, data)


def _check_mac(pfx: asn1_pkcs12.Pfx, password: bytes) -> None:
    mac_data = pfx["mac_data"]
    if mac_data.native is None:
        return
    content = pfx["auth_safe"]["content"].native
    digest_oid = mac_data["mac"]["digest_algorithm"]["algorithm"].dotted
    salt = mac_data["mac_salt"].native
    iterations = int(mac_data["iterations"].native)
    want = mac_data["mac"]["digest"].native
    bits = gost.digest_bits(digest_oid)
    if bits is not None:
        # The Streebog MAC key costs 2 x 2000 PBKDF2 rounds (~3 s here). It is skipped: a wrong
        # password still shows (the bags decrypt to garbage that does not parse) and a changed
        # container cannot pass off a key, which must match its certificate's public key.
        return
    else:
        name = mac_data["mac"]["digest_algorithm"]["algorithm"].native
        if name not in ("sha1", "sha224", "sha256", "sha384", "sha512"):
            raise _unsupported(f"контрольная сумма {name}")
        bmp = password.decode("utf-8").encode("utf-16-be") + b"\0\0" if password else b""
        mac_key = _pkcs12_kdf(name, bmp, salt, iterations, hashlib.new(name).digest_size)
        got = hmac.new(mac_key, content, name).digest()
    if not hmac.compare_digest(got, want):
        raise gost.GostError(WRONG_PASSWORD)


def _safe_bags(pfx: asn1_pkcs12.Pfx, password: bytes) -> Iterator[asn1_pkcs12.SafeBag]:
    auth = asn1_pkcs12.AuthenticatedSafe.load(pfx["auth_safe"]["content"].native)
    for ci in auth:
        kind = ci["content_type"].native
        if kind == "data":
            raw = ci["content"].native
        elif kind == "encrypted_data":
            eci = ci["content"]["encrypted_content_info"]
            raw = _pbes2_decrypt(eci["content_encryption_algorithm"], eci["encrypted_content"].native, password)
        else:
            raise _unsupported(str(kind))
        try:
            yield from asn1_pkcs12.SafeContents.load(raw)
        except ValueError as exc:
            raise gost.GostError(WRONG_PASSWORD) from exc


def load_pkcs12(data: bytes, password: bytes) -> Loaded:
    """A GOST key with its certificate from a PKCS#12. Raises gost.GostError (for the user)."""
    try:
        pfx = asn1_pkcs12.Pfx.load(data)
        _check_mac(pfx, password)
        bags = list(_safe_bags(pfx, password))
        key_infos: list[keys.PrivateKeyInfo] = []
        certs: list[asn1_x509.Certificate] = []
        for bag in bags:
            kind = bag["bag_id"].native
            if kind == "pkcs8_shrouded_key_bag":
                epki = bag["bag_value"]
                raw = _pbes2_decrypt(epki["encryption_algorithm"], epki["encrypted_data"].native, password)
                key_infos.append(keys.PrivateKeyInfo.load(raw))
            elif kind == "key_bag":
                key_infos.append(bag["bag_value"])
            elif kind == "cert_bag" and bag["bag_value"]["cert_id"].native == "x509":
                certs.append(asn1_x509.Certificate.load(bag["bag_value"]["cert_value"].parsed.dump()))
        return _pair(key_infos, certs)
    except gost.GostError:
        raise
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise gost.GostError(tr("Файл повреждён или не является контейнером PKCS#12 (.p12/.pfx).")) from exc


def _pair(key_infos: list[keys.PrivateKeyInfo], certs: list[asn1_x509.Certificate]) -> Loaded:
    if not key_infos:
        raise gost.GostError(
            tr("В файле нет закрытого ключа: это только сертификат. Для подписи нужен файл с закрытым ключом.")
        )
    key = gost.private_key_from_pkcs8(key_infos[0])
    pub = key.public
    for cert in certs:
        if gost.cert_public_key(cert) == pub:
            return Loaded(key, cert, [c for c in certs if c is not cert])
    if not certs:
        raise gost.GostError(tr("В файле нет сертификата: укажите файл сертификата к ключу."))
    raise gost.GostError(tr("Закрытый ключ в файле не соответствует сертификату."))


def is_gost_key_info(info: keys.PrivateKeyInfo) -> bool:
    return info["private_key_algorithm"]["algorithm"].dotted in gost.KEY_NAMES


# ---------------------------------------------------------------- PEM / DER pairs


def pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    try:
        return [(name, der) for name, _, der in pem.unarmor(data, multiple=True)]
    except ValueError as exc:
        raise gost.GostError(tr("Файл PEM повреждён.")) from exc


def private_key_info(name: str, der: bytes, password: bytes) -> keys.PrivateKeyInfo:
    """A PKCS#8 key from one PEM block (or DER), decrypted when it is encrypted."""
    if name == "ENCRYPTED PRIVATE KEY":
        epki = keys.EncryptedPrivateKeyInfo.load(der)
        raw = _pbes2_decrypt(epki["encryption_algorithm"], epki["encrypted_data"].native, password)
        try:
            info = keys.PrivateKeyInfo.load(raw)
            info.native  # noqa: B018 - a wrong password decrypts to garbage: parse it here
        except (ValueError, TypeError) as exc:
            raise gost.GostError(WRONG_PASSWORD) from exc
        return info
    return keys.PrivateKeyInfo.load(der)


def load_pem_pair(data: bytes, password: bytes) -> Loaded:
    """A PEM bundle with one PKCS#8 private key (plain or encrypted) and its certificate(s)."""
    key_infos: list[keys.PrivateKeyInfo] = []
    certs: list[asn1_x509.Certificate] = []
    try:
        for name, der in pem_blocks(data):
            if name in ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"):
                key_infos.append(private_key_info(name, der, password))
            elif name == "CERTIFICATE":
                certs.append(asn1_x509.Certificate.load(der))
        return _pair(key_infos, certs)
    except gost.GostError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise gost.GostError(tr("Ключ или сертификат в файле PEM повреждён.")) from exc


#: the files of a КриптоПро CSP key container (a folder «name.000» on a disk or a flash drive)
CRYPTOPRO_PARTS = frozenset({"header.key", "primary.key", "primary2.key", "masks.key", "masks2.key", "name.key"})

CRYPTOPRO_MESSAGE = (
    "Это контейнер КриптоПро CSP (папка с header.key, primary.key, masks.key): его ключ открывает только "
    "КриптоПро. Экспортируйте ключ с сертификатом в файл .pfx (КриптоПро CSP 5: «Экспорт в PFX», "
    "формат ТК26) или в PEM и укажите этот файл."
)
FOLDER_MESSAGE = "Укажите файл сертификата с ключом (.p12/.pfx или PEM), а не папку."
TOKEN_MESSAGE = (
    "Ключ на токене или смарт-карте (Рутокен, JaCarta, ссылка PKCS#11) эта программа использовать не может: "
    "нужен криптопровайдер. Если ключ экспортируемый, выгрузите его с сертификатом из КриптоПро CSP или "
    "утилиты токена в файл .pfx/.p12 с алгоритмами ГОСТ (или в PEM: ключ PKCS#8 и сертификат) и укажите этот файл."
)
CERT_ONLY_MESSAGE = (
    "В файле только сертификат, без закрытого ключа: ключ хранится в криптопровайдере (КриптоПро CSP) или "
    "на токене. Экспортируйте ключ вместе с сертификатом в файл .pfx/.p12 с алгоритмами ГОСТ (КриптоПро CSP: "
    "«Экспорт в PFX», формат ТК26) или сохраните ключ PKCS#8 и сертификат в PEM и укажите этот файл."
)
#: every message ``key_source_message`` gives (the GUI translates them)
KEY_SOURCE_MESSAGES = (CRYPTOPRO_MESSAGE, FOLDER_MESSAGE, TOKEN_MESSAGE, CERT_ONLY_MESSAGE)

_SNIFF = 1024 * 1024  # a certificate is a few KB; a bigger file is not one of the cases below


def _is_cryptopro_part(path: Path) -> bool:
    """A КриптоПро container file: one of its names and binary (a PEM ``name.key`` is a key file)."""
    if path.name.lower() not in CRYPTOPRO_PARTS:
        return False
    try:
        with path.open("rb") as fh:
            return b"-----BEGIN" not in fh.read(4096)
    except OSError:
        return True


def provider_container_message(path: Path) -> str | None:
    """A Russian message when ``path`` is a key container only a crypto provider can open."""
    folder = path if path.is_dir() else path.parent
    names = {p.name.lower() for p in folder.iterdir()} if folder.is_dir() else set()
    if {"header.key", "primary.key"} <= names or _is_cryptopro_part(path):
        return CRYPTOPRO_MESSAGE
    if path.is_dir():
        return FOLDER_MESSAGE
    return None


def _certificate_only(data: bytes) -> bool:
    """PEM with certificates and no private key, or one DER certificate (a .cer/.crt)."""
    if b"-----BEGIN" in data:
        try:
            names = {name for name, _ in pem_blocks(data)}
        except (ValueError, TypeError, gost.GostError):
            return False
        return "CERTIFICATE" in names and not any(n.endswith("PRIVATE KEY") for n in names)
    try:
        cert = asn1_x509.Certificate.load(data, strict=True)
        cert["tbs_certificate"]["subject_public_key_info"].native  # noqa: B018 - parses it
        return True
    except (ValueError, TypeError, KeyError):
        return False


def key_source_message(source: str | Path) -> str | None:
    """Why ``source`` cannot be a signing key here, in Russian with what to do instead; None if
    it may be one (a .p12/.pfx or a PEM key + certificate: reading it tells the rest).

    The one check behind ``frmr sign --p12`` and the GUI's certificate import: a КриптоПро CSP
    container or one of its files, a folder, a token (a ``pkcs11:`` reference or a PKCS#11
    library), a certificate without its key (.cer/.crt: the key stays in the provider).
    """
    text = str(source).strip()
    if text.lower().startswith("pkcs11:"):
        return TOKEN_MESSAGE
    path = Path(text)
    try:
        if not path.exists():
            return None
        msg = provider_container_message(path)
        if msg:
            return msg
        lower = path.name.lower()
        if "pkcs11" in lower and lower.endswith((".so", ".dll", ".dylib")):
            return TOKEN_MESSAGE
        if path.stat().st_size > _SNIFF:
            return None
        with path.open("rb") as fh:
            data = fh.read(_SNIFF)
    except OSError:
        return None  # the caller's own read reports it
    return CERT_ONLY_MESSAGE if _certificate_only(data) else None


__all__ = [
    "CERT_ONLY_MESSAGE",
    "CRYPTOPRO_MESSAGE",
    "FOLDER_MESSAGE",
    "KEY_SOURCE_MESSAGES",
    "TOKEN_MESSAGE",
    "Loaded",
    "key_source_message",
    "load_pem_pair",
    "load_pkcs12",
    "provider_container_message",
]
