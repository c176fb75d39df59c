"""ГОСТ Р 34.10-2012 keys and signatures, ГОСТ Р 34.11-2012 (Streebog) digests.

The curve arithmetic and the hash come from ``gostcrypto`` (pure Python, MIT): the only
implementation of both on PyPI that installs everywhere the app runs, frozen bundle included.
The OpenSSL GOST engine is deliberately *not* used here: the tests check our signatures with
it, which is only a proof while the two implementations are independent.

What this module adds is the encoding the standards around the algorithms fix (RFC 4491,
RFC 7091, RFC 9215, Р 1323565.1.024-2019): which parameter set an OID names, how keys and
signatures are laid out in X.509/CMS (little-endian key values, ``s || r`` signatures), and
the OIDs taught to asn1crypto so that certificates with GOST keys parse in pyHanko's and
pyhanko-certvalidator's code at all.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Any

from asn1crypto import algos, core, keys
from asn1crypto import x509 as asn1_x509
from gostcrypto import gosthash, gostsignature
from gostcrypto.gosthash import gost_34_11_2012 as _streebog_ref

from desktop.i18n import tr

KEY_256 = "1.2.643.7.1.1.1.1"
KEY_512 = "1.2.643.7.1.1.1.2"
KEY_2001 = "1.2.643.2.2.19"
SIG_256 = "1.2.643.7.1.1.3.2"
SIG_512 = "1.2.643.7.1.1.3.3"
SIG_2001 = "1.2.643.2.2.3"
STREEBOG_256 = "1.2.643.7.1.1.2.2"
STREEBOG_512 = "1.2.643.7.1.1.2.3"
GOST_94 = "1.2.643.2.2.9"

#: Names asn1crypto gives the OIDs once registered (pyHanko reads ``.native`` of them).
DIGEST_NAMES = {STREEBOG_256: "streebog256", STREEBOG_512: "streebog512", GOST_94: "gostr3411_94"}
KEY_NAMES = {KEY_256: "gost2012_256", KEY_512: "gost2012_512", KEY_2001: "gost2001"}
SIG_NAMES = {
    SIG_256: "gost2012_256_streebog256",
    SIG_512: "gost2012_512_streebog512",
    SIG_2001: "gost2001_gostr3411_94",
}

#: OID -> (key bits, gostcrypto curve, name shown to people). Р 1323565.1.024-2019 gives
#: the CryptoPro (2001) sets the same curves as the TC26 B/C/D sets; «Xch» ones are aliases.
PARAMSETS: dict[str, tuple[int, str, str]] = {
    "1.2.643.2.2.35.1": (256, "id-tc26-gost-3410-2012-256-paramSetB", "CryptoPro-A"),
    "1.2.643.2.2.35.2": (256, "id-tc26-gost-3410-2012-256-paramSetC", "CryptoPro-B"),
    "1.2.643.2.2.35.3": (256, "id-tc26-gost-3410-2012-256-paramSetD", "CryptoPro-C"),
    "1.2.643.2.2.36.0": (256, "id-tc26-gost-3410-2012-256-paramSetB", "CryptoPro-XchA"),
    "1.2.643.2.2.36.1": (256, "id-tc26-gost-3410-2012-256-paramSetD", "CryptoPro-XchB"),
    "1.2.643.7.1.2.1.1.1": (256, "id-tc26-gost-3410-2012-256-paramSetA", "TC26-256-A"),
    "1.2.643.7.1.2.1.1.2": (256, "id-tc26-gost-3410-2012-256-paramSetB", "TC26-256-B"),
    "1.2.643.7.1.2.1.1.3": (256, "id-tc26-gost-3410-2012-256-paramSetC", "TC26-256-C"),
    "1.2.643.7.1.2.1.1.4": (256, "id-tc26-gost-3410-2012-256-paramSetD", "TC26-256-D"),
    "1.2.643.7.1.2.1.2.1": (512, "id-tc26-gost-3410-12-512-paramSetA", "TC26-512-A"),
    "1.2.643.7.1.2.1.2.2": (512, "id-tc26-gost-3410-12-512-paramSetB", "TC26-512-B"),
    "1.2.643.7.1.2.1.2.3": (512, "id-tc26-gost-3410-2012-512-paramSetC", "TC26-512-C"),
}


class GostError(ValueError):
    """A GOST key, certificate or signature cannot be used; ``str()`` is a message for the user."""


# ---------------------------------------------------------------- ASN.1


class GostKeyParams(core.Sequence):
    """GostR3410-2012-PublicKeyParameters (RFC 9215 § 4.2.2)."""

    _fields = [  # noqa: RUF012 - asn1crypto's declaration style
        ("public_key_param_set", core.ObjectIdentifier),
        ("digest_param_set", core.ObjectIdentifier, {"optional": True}),
        ("encryption_param_set", core.ObjectIdentifier, {"optional": True}),
    ]


def _add_names(cls: Any, names: dict[str, str]) -> None:
    cls._map = {**(cls._map or {}), **names}
    cls._reverse_map = None  # asn1crypto rebuilds it from _map on next use


@functools.cache
def register_asn1() -> None:
    """Teach asn1crypto the GOST OIDs. Idempotent; everything that handles GOST calls it.

    Without it asn1crypto raises KeyError on the public key of every GOST certificate, so
    neither pyHanko nor pyhanko-certvalidator could even read one.
    """
    _add_names(algos.DigestAlgorithmId, DIGEST_NAMES)
    # SignerInfo.signatureAlgorithm carries the key OID (RFC 9215 § 3), certificates the sig OID.
    _add_names(algos.SignedDigestAlgorithmId, {**SIG_NAMES, **KEY_NAMES})
    _add_names(keys.PublicKeyAlgorithmId, KEY_NAMES)
    _add_names(keys.PrivateKeyAlgorithmId, KEY_NAMES)
    for name in KEY_NAMES.values():
        keys.PublicKeyAlgorithm._oid_specs[name] = GostKeyParams
        keys.PrivateKeyAlgorithm._oid_specs[name] = GostKeyParams
    original = keys.PublicKeyInfo._spec_callbacks["public_key"]

    def public_key_spec(info: keys.PublicKeyInfo) -> Any:
        if info["algorithm"]["algorithm"].native in KEY_NAMES.values():
            return (keys.OctetBitString, None)  # an OCTET STRING inside, parsed by _public_point
        return original(info)

    keys.PublicKeyInfo._spec_callbacks = {**keys.PublicKeyInfo._spec_callbacks, "public_key": public_key_spec}
    original_private = keys.PrivateKeyInfo._spec_callbacks["private_key"]

    def private_key_spec(info: keys.PrivateKeyInfo) -> Any:
        if info["private_key_algorithm"]["algorithm"].native in KEY_NAMES.values():
            return (core.OctetString, None)
        return original_private(info)

    keys.PrivateKeyInfo._spec_callbacks = {**keys.PrivateKeyInfo._spec_callbacks, "private_key": private_key_spec}


register_asn1()


# ---------------------------------------------------------------- the algorithms


def digest_bits(oid: str) -> int | None:
    return {STREEBOG_256: 256, STREEBOG_512: 512}.get(oid)


@functools.cache
def _curve(paramset: str) -> Any:
    bits, name, _ = PARAMSETS[paramset]
    mode = gostsignature.MODE_256 if bits == 256 else gostsignature.MODE_512
    return gostsignature.new(mode, gostsignature.CURVES_R_1323565_1_024_2019[name])


def _check_paramset(key_oid: str, paramset: str) -> int:
    if key_oid == KEY_2001:
        raise GostError(
            tr("Ключ ГОСТ Р 34.10-2001 не поддерживается: такие ключи не применяются для подписи с 2019 года. "
            "Нужен сертификат с ключом ГОСТ Р 34.10-2012.")
        )
    if paramset not in PARAMSETS:
        raise GostError(
            tr(
                "Неизвестный набор параметров ключа ГОСТ Р 34.10-2012 ({paramset}): поддерживаются наборы "
                "КриптоПро A/B/C, XchA/XchB и ТК26 (256 бит: A-D, 512 бит: A-C).").format(
                paramset=paramset)
        )
    bits = PARAMSETS[paramset][0]
    if (key_oid == KEY_256) != (bits == 256):
        raise GostError(tr(
            "Набор параметров {value} не соответствует длине ключа ГОСТ в сертификате.").format(
            value=PARAMSETS[paramset][2]))
    return bits


@dataclass(frozen=True)
class GostPublicKey:
    paramset: str
    x: int
    y: int

    @property
    def bits(self) -> int:
        return PARAMSETS[self.paramset][0]

    @property
    def size(self) -> int:
        return self.bits // 8

    @property
    def description(self) -> str:
        return f"ГОСТ Р 34.10-2012 {self.bits} бит ({PARAMSETS[self.paramset][2]})"

    @property
    def key_oid(self) -> str:
        return KEY_256 if self.bits == 256 else KEY_512

    @property
    def digest_oid(self) -> str:
        return STREEBOG_256 if self.bits == 256 else STREEBOG_512

    def verify_digest(self, digest: bytes, signature: bytes) -> bool:
        """``signature`` as in X.509/CMS: ``s || r``, big-endian each."""
        n = self.size
        if len(signature) != 2 * n or len(digest) != n:
            return False
        point = self.x.to_bytes(n, "big") + self.y.to_bytes(n, "big")
        # gostcrypto reads the digest as a big-endian number; Streebog's bytes are little-endian.
        return bool(_curve(self.paramset).verify(bytearray(point), bytearray(digest[::-1]),
                                                 bytearray(signature[n:] + signature[:n])))

    def verify(self, data: bytes, signature: bytes) -> bool:
        return self.verify_digest(streebog(data, self.bits), signature)

    def spki(self) -> keys.PublicKeyInfo:
        n = self.size
        point = core.OctetString(self.x.to_bytes(n, "little") + self.y.to_bytes(n, "little")).dump()
        params: dict[str, str] = {"public_key_param_set": self.paramset}
        if self.bits == 256:  # RFC 9215 § 4.2.2: present for 256-bit keys only
            params["digest_param_set"] = STREEBOG_256
        return keys.PublicKeyInfo(
            {
                "algorithm": {"algorithm": KEY_NAMES[self.key_oid], "parameters": GostKeyParams(params)},
                "public_key": point,
            }
        )


class GostPrivateKey:
    """A GOST private key held in memory; ``repr`` never shows the value."""

    def __init__(self, paramset: str, d: int) -> None:
        _check_paramset(KEY_256 if PARAMSETS.get(paramset, (256,))[0] == 256 else KEY_512, paramset)
        q = _curve(paramset)._q
        if not 0 < d < q:
            raise GostError(tr("Закрытый ключ ГОСТ повреждён: его значение вне допустимого диапазона."))
        self.paramset = paramset
        self._d = d

    def __repr__(self) -> str:
        return f"GostPrivateKey({PARAMSETS[self.paramset][2]})"

    @functools.cached_property
    def public(self) -> GostPublicKey:
        n = PARAMSETS[self.paramset][0] // 8
        point = _curve(self.paramset).public_key_generate(bytearray(self._d.to_bytes(n, "big")))
        return GostPublicKey(self.paramset, int.from_bytes(point[:n], "big"), int.from_bytes(point[n:], "big"))

    def sign_digest(self, digest: bytes) -> bytes:
        n = self.public.size
        if len(digest) != n:
            raise GostError(tr("Длина хэша не соответствует длине ключа ГОСТ."))
        rs = bytes(_curve(self.paramset).sign(bytearray(self._d.to_bytes(n, "big")), bytearray(digest[::-1]),
                                              bytearray(_random_k(self.paramset))))
        return rs[n:] + rs[:n]  # gostcrypto gives r || s; X.509 and CMS want s || r

    def sign(self, data: bytes) -> bytes:
        return self.sign_digest(streebog(data, self.public.bits))

    @classmethod
    def generate(cls, paramset: str) -> GostPrivateKey:
        """Tests and the demo only: real keys come from a certification authority's container."""
        return cls(paramset, int.from_bytes(_random_k(paramset), "big"))


def _random_k(paramset: str) -> bytes:
    curve = _curve(paramset)
    n = PARAMSETS[paramset][0] // 8
    while True:
        k = os.urandom(n)
        if 0 < int.from_bytes(k, "big") < curve._q:
            return k


# ---------------------------------------------------------------- Streebog, the fast way
#
# gostcrypto's own Streebog works byte by byte on bytearrays (~0.2 MB/s): half a second for a
# справка and ~25 s to open a ТК26 .pfx (PBKDF2, 2000 rounds of HMAC). The compression below
# keeps the 512-bit state as one Python int and uses gostcrypto's precomputed L∘P∘S tables
# and round constants, ~3x faster with the same results (tests compare it with gostcrypto's
# and with OpenSSL's).

_T: tuple[tuple[int, ...], ...] = tuple(tuple(t) for t in _streebog_ref._T)
_C: tuple[int, ...] = tuple(int.from_bytes(bytes(c), "little") for c in _streebog_ref._C)
_MASK = (1 << 512) - 1
_IV_256 = int.from_bytes(b"\x01" * 64, "little")


def _lps(x: int) -> int:
    b = x.to_bytes(64, "little")
    t0, t1, t2, t3, t4, t5, t6, t7 = _T
    return (
        (t0[b[0]] ^ t1[b[8]] ^ t2[b[16]] ^ t3[b[24]] ^ t4[b[32]] ^ t5[b[40]] ^ t6[b[48]] ^ t7[b[56]])
        | (t0[b[1]] ^ t1[b[9]] ^ t2[b[17]] ^ t3[b[25]] ^ t4[b[33]] ^ t5[b[41]] ^ t6[b[49]] ^ t7[b[57]]) << 64
        | (t0[b[2]] ^ t1[b[10]] ^ t2[b[18]] ^ t3[b[26]] ^ t4[b[34]] ^ t5[b[42]] ^ t6[b[50]] ^ t7[b[58]]) << 128
        | (t0[b[3]] ^ t1[b[11]] ^ t2[b[19]] ^ t3[b[27]] ^ t4[b[35]] ^ t5[b[43]] ^ t6[b[51]] ^ t7[b[59]]) << 192
        | (t0[b[4]] ^ t1[b[12]] ^ t2[b[20]] ^ t3[b[28]] ^ t4[b[36]] ^ t5[b[44]] ^ t6[b[52]] ^ t7[b[60]]) << 256
        | (t0[b[5]] ^ t1[b[13]] ^ t2[b[21]] ^ t3[b[29]] ^ t4[b[37]] ^ t5[b[45]] ^ t6[b[53]] ^ t7[b[61]]) << 320
        | (t0[b[6]] ^ t1[b[14]] ^ t2[b[22]] ^ t3[b[30]] ^ t4[b[38]] ^ t5[b[46]] ^ t6[b[54]] ^ t7[b[62]]) << 384
        | (t0[b[7]] ^ t1[b[15]] ^ t2[b[23]] ^ t3[b[31]] ^ t4[b[39]] ^ t5[b[47]] ^ t6[b[55]] ^ t7[b[63]]) << 448
    )


def _g(n: int, h: int, m: int) -> int:
    k = _lps(h ^ n)
    s = k ^ m
    for c in _C:
        s = _lps(s)
        k = _lps(k ^ c)
        s ^= k
    return s ^ h ^ m


@dataclass
class StreebogState:
    """The hash after whole 64-byte blocks; HMAC keeps the state after its key block."""

    bits: int
    h: int
    n: int = 0
    sigma: int = 0

    @classmethod
    def new(cls, bits: int) -> StreebogState:
        return cls(bits, 0 if bits == 512 else _IV_256)

    def absorb(self, data: bytes) -> StreebogState:
        """A new state after ``data`` (a multiple of 64 bytes)."""
        h, n, sigma = self.h, self.n, self.sigma
        mv = memoryview(data)
        for off in range(0, len(data), 64):
            m = int.from_bytes(mv[off : off + 64], "little")
            h = _g(n, h, m)
            n = (n + 512) & _MASK
            sigma = (sigma + m) & _MASK
        return StreebogState(self.bits, h, n, sigma)

    def finish(self, tail: bytes) -> bytes:
        """The digest after a last chunk ``tail`` of fewer than 64 bytes."""
        m = int.from_bytes(tail + b"\x01" + bytes(63 - len(tail)), "little")
        h = _g(self.n, self.h, m)
        n = (self.n + 8 * len(tail)) & _MASK
        sigma = (self.sigma + m) & _MASK
        h = _g(0, h, n)
        h = _g(0, h, sigma)
        out = h.to_bytes(64, "little")
        return out if self.bits == 512 else out[32:]


def streebog(data: bytes, bits: int = 256) -> bytes:
    """ГОСТ Р 34.11-2012 digest, bytes in the order OpenSSL and CMS use."""
    whole = len(data) - len(data) % 64
    return StreebogState.new(bits).absorb(data[:whole]).finish(bytes(data[whole:]))


def streebog_reference(data: bytes, bits: int = 256) -> bytes:
    """gostcrypto's own Streebog (the tests check :func:`streebog` against it)."""
    # One update only: gostcrypto keeps a stale tail buffer across several update() calls
    # when a chunk ends on a block boundary.
    return bytes(gosthash.new(f"streebog{bits}", data=bytes(data)).digest())


# ---------------------------------------------------------------- reading keys


def is_gost_spki(spki: keys.PublicKeyInfo) -> bool:
    return spki["algorithm"]["algorithm"].dotted in KEY_NAMES


def _paramset_of(algorithm: Any) -> str:
    params = algorithm["parameters"]
    if isinstance(params, core.Any) or not isinstance(params, GostKeyParams):
        try:
            params = GostKeyParams.load(params.dump())
        except (ValueError, TypeError) as exc:
            raise GostError(tr("Параметры ключа ГОСТ в сертификате повреждены.")) from exc
    return str(params["public_key_param_set"].dotted)


def public_key_from_spki(spki: keys.PublicKeyInfo) -> GostPublicKey:
    key_oid = spki["algorithm"]["algorithm"].dotted
    if key_oid not in KEY_NAMES:
        raise GostError(tr("Ключ сертификата — не ГОСТ Р 34.10."))
    paramset = _paramset_of(spki["algorithm"])
    bits = _check_paramset(key_oid, paramset)
    try:
        raw = spki["public_key"].native
        point = core.OctetString.load(raw).native if isinstance(raw, bytes) else None
    except (ValueError, TypeError) as exc:
        raise GostError(tr("Открытый ключ ГОСТ в сертификате повреждён.")) from exc
    n = bits // 8
    if not isinstance(point, bytes) or len(point) != 2 * n:
        raise GostError(tr("Открытый ключ ГОСТ в сертификате повреждён: неверная длина."))
    return GostPublicKey(paramset, int.from_bytes(point[:n], "little"), int.from_bytes(point[n:], "little"))


def cert_public_key(cert: asn1_x509.Certificate) -> GostPublicKey | None:
    """The GOST key of a certificate, None for any other algorithm."""
    spki = cert["tbs_certificate"]["subject_public_key_info"]
    return public_key_from_spki(spki) if is_gost_spki(spki) else None


def private_key_from_pkcs8(info: keys.PrivateKeyInfo) -> GostPrivateKey:
    """A GOST key from PKCS#8 (RFC 9215 § 4.2.1: the value as little-endian OCTET STRING;
    older writers wrap it once more as an OCTET STRING or give a big-endian INTEGER)."""
    algo = info["private_key_algorithm"]
    key_oid = algo["algorithm"].dotted
    if key_oid not in KEY_NAMES:
        raise GostError(tr("Ключ в файле — не ГОСТ Р 34.10."))
    paramset = _paramset_of(algo)
    bits = _check_paramset(key_oid, paramset)
    n = bits // 8
    value = info["private_key"]
    raw = value.native if isinstance(value, core.OctetString) else value.contents
    if not isinstance(raw, bytes):
        raise GostError(tr("Закрытый ключ ГОСТ повреждён."))
    if len(raw) == n:
        d = int.from_bytes(raw, "little")
    else:
        try:
            inner = core.Asn1Value.load(raw)
        except (ValueError, TypeError) as exc:
            raise _masked_key_error() from exc
        if inner.tag == 4 and len(inner.contents) == n:  # OCTET STRING, little-endian
            d = int.from_bytes(inner.contents, "little")
        elif inner.tag == 2:  # INTEGER, big-endian
            d = int.from_bytes(inner.contents, "big")
        else:
            raise _masked_key_error()
    return GostPrivateKey(paramset, d)


def _masked_key_error() -> GostError:
    return GostError(
        tr("Закрытый ключ ГОСТ записан в формате криптопровайдера (например, КриптоПро CSP, маскированный ключ), "
        "который эта программа не читает. Экспортируйте ключ с сертификатом в PKCS#12 (.pfx) стандарта "
        "ТК26 или в PEM (PKCS#8) средствами криптопровайдера.")
    )


def private_key_pkcs8(key: GostPrivateKey) -> keys.PrivateKeyInfo:
    """PKCS#8 of a key (tests, the test PKI): the little-endian value in an OCTET STRING."""
    pub = key.public
    params: dict[str, str] = {"public_key_param_set": key.paramset}
    if pub.bits == 256:
        params["digest_param_set"] = STREEBOG_256
    return keys.PrivateKeyInfo(
        {
            "version": 0,
            "private_key_algorithm": {"algorithm": KEY_NAMES[pub.key_oid], "parameters": GostKeyParams(params)},
            "private_key": core.OctetString(key._d.to_bytes(pub.size, "little")),
        }
    )


# ---------------------------------------------------------------- certificates


def cert_signature_ok(cert: asn1_x509.Certificate, issuer_key: GostPublicKey) -> bool:
    """Does ``issuer_key`` verify the certificate's signature? Only the Streebog variant of the
    issuer's own size counts."""
    algo = cert["signature_algorithm"]["algorithm"].dotted
    want = SIG_256 if issuer_key.bits == 256 else SIG_512
    if algo != want:
        return False
    return issuer_key.verify(cert["tbs_certificate"].dump(), cert["signature_value"].native)
