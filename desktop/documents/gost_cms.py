"""CMS SignedData with ГОСТ Р 34.10-2012: building CAdES-BES signer infos and checking them.

pyHanko computes every digest through pyca/cryptography, which has no Streebog, so neither its
``PdfSigner`` nor its CMS validator can handle a GOST signature. The containers are built and
read here with asn1crypto instead; pyHanko still does the PDF side (signature field, stamp,
incremental update, coverage and change analysis), see ``signing`` and ``verify``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import algos, cms, keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature
from pyhanko.sign import signers
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathError, ValidationError
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.sig_validate import (
    DEFAULT_VALIDATION_CONTEXT,
    DefaultSignatureValidator,
    SignatureValidationContext,
)

from desktop.documents import gost

gost.register_asn1()


class GostSignatureValidator(DefaultSignatureValidator):
    """pyhanko-certvalidator's hook for signature checks: GOST here, everything else as before."""

    def validate_signature(
        self,
        signature: bytes,
        signed_data: bytes,
        public_key_info: keys.PublicKeyInfo,
        signature_algorithm: algos.SignedDigestAlgorithm,
        context: SignatureValidationContext = DEFAULT_VALIDATION_CONTEXT,
    ) -> None:
        if not gost.is_gost_spki(public_key_info):
            super().validate_signature(signature, signed_data, public_key_info, signature_algorithm, context)
            return
        try:
            key = gost.public_key_from_spki(public_key_info)
        except gost.GostError as exc:
            raise InvalidSignature(str(exc)) from exc
        algo = signature_algorithm["algorithm"].dotted
        if algo not in (gost.SIG_256 if key.bits == 256 else gost.SIG_512, key.key_oid) or not key.verify(
            signed_data, signature
        ):
            raise InvalidSignature("ГОСТ signature does not verify")


def validation_context(
    trust_roots: Sequence[asn1_x509.Certificate],
    other_certs: Sequence[asn1_x509.Certificate] = (),
    moment: dt.datetime | None = None,
) -> ValidationContext:
    # Explicit roots only, no network, revocation soft-fail: the same policy as for RSA.
    return ValidationContext(
        trust_roots=list(trust_roots),
        other_certs=list(other_certs),
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=moment,
        signature_validator=GostSignatureValidator(),
    )


def path_trusted(
    cert: asn1_x509.Certificate,
    other_certs: Sequence[asn1_x509.Certificate],
    trust_roots: Sequence[asn1_x509.Certificate],
    moment: dt.datetime | None = None,
) -> bool:
    if not trust_roots:
        return False
    validator = CertificateValidator(cert, validation_context=validation_context(trust_roots, other_certs, moment))
    try:
        asyncio.run(validator.async_validate_path())
    except (PathError, ValidationError):
        return False
    return True


# ---------------------------------------------------------------- signing


class GostCmsSigner(signers.Signer):
    """The pyHanko face of a GOST key: certificate, chain, raw signatures.

    ``signing.sign_pdf`` / ``sign_detached`` recognise it and build the CMS with
    :func:`signed_data` rather than pyHanko's SHA-only pipeline.
    """

    def __init__(
        self,
        key: gost.GostPrivateKey,
        signing_cert: asn1_x509.Certificate,
        cert_registry: SimpleCertificateStore,
    ) -> None:
        self.key = key
        pub = key.public
        super().__init__(
            signing_cert=signing_cert,
            cert_registry=cert_registry,
            signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": gost.KEY_NAMES[pub.key_oid]}),
        )

    @property
    def digest_bits(self) -> int:
        return self.key.public.bits

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        return self.key.sign(data)

    def signed_data(self, digest: bytes, *, signing_time: dt.datetime | None) -> cms.ContentInfo:
        return signed_data(self, digest, signing_time=signing_time)


def _ess_cert_id(cert: asn1_x509.Certificate, bits: int) -> tsp.SigningCertificateV2:
    digest_oid = gost.STREEBOG_256 if bits == 256 else gost.STREEBOG_512
    return tsp.SigningCertificateV2(
        {
            "certs": [
                {
                    "hash_algorithm": {"algorithm": gost.DIGEST_NAMES[digest_oid]},
                    "cert_hash": gost.streebog(cert.dump(), bits),
                    "issuer_serial": {
                        "issuer": [asn1_x509.GeneralName(name="directory_name", value=cert.issuer)],
                        "serial_number": cert.serial_number,
                    },
                }
            ]
        }
    )


def signed_data(signer: GostCmsSigner, digest: bytes, *, signing_time: dt.datetime | None) -> cms.ContentInfo:
    """Detached SignedData over a content whose Streebog digest is ``digest``.

    CAdES-BES signed attributes: content type, message digest, signing-certificate-v2 (hash
    of the certificate with the signer's own Streebog), and signing time unless ``None`` —
    PAdES wants the time in the signature dictionary instead (ETSI EN 319 142-1 § 5.4.3).
    """
    pub = signer.key.public
    digest_name = gost.DIGEST_NAMES[pub.digest_oid]
    cert = signer.signing_cert
    assert cert is not None  # GostCmsSigner always has one
    attrs: list[dict[str, Any]] = [
        {"type": "content_type", "values": ["data"]},
        {"type": "message_digest", "values": [digest]},
        {"type": "signing_certificate_v2", "values": [_ess_cert_id(cert, pub.bits)]},
    ]
    if signing_time is not None:
        attrs.insert(1, {"type": "signing_time", "values": [cms.Time({"utc_time": signing_time})]})
    signed_attrs = cms.CMSAttributes(attrs)
    signature = signer.key.sign(signed_attrs.dump())
    chain = [c for c in signer.cert_registry if c.dump() != cert.dump()]
    info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {"issuer_and_serial_number": {"issuer": cert.issuer, "serial_number": cert.serial_number}}
            ),
            "digest_algorithm": {"algorithm": digest_name},
            "signed_attrs": signed_attrs,
            "signature_algorithm": {"algorithm": gost.KEY_NAMES[pub.key_oid]},
            "signature": signature,
        }
    )
    return cms.ContentInfo(
        {
            "content_type": "signed_data",
            "content": cms.SignedData(
                {
                    "version": "v1",
                    "digest_algorithms": [{"algorithm": digest_name}],
                    "encap_content_info": {"content_type": "data"},
                    "certificates": [cert, *chain],
                    "signer_infos": [info],
                }
            ),
        }
    )


def add_signer(existing: cms.ContentInfo, new: cms.ContentInfo) -> cms.ContentInfo:
    """Co-signing a detached .sig: the new signer info and certificates join the old SignedData."""
    old_sd: cms.SignedData = existing["content"]
    new_sd: cms.SignedData = new["content"]
    certs = list(old_sd["certificates"]) if old_sd["certificates"].native is not None else []
    seen = {c.chosen.dump() for c in certs}
    certs += [c for c in new_sd["certificates"] if c.chosen.dump() not in seen]
    digests = list(old_sd["digest_algorithms"])
    digests += [d for d in new_sd["digest_algorithms"] if d.dump() not in {x.dump() for x in digests}]
    sd = cms.SignedData(
        {
            "version": old_sd["version"].native,
            "digest_algorithms": digests,
            "encap_content_info": old_sd["encap_content_info"],
            "certificates": certs,
            "signer_infos": [*old_sd["signer_infos"], *new_sd["signer_infos"]],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": sd})


# ---------------------------------------------------------------- checking


def is_gost_signer_info(si: cms.SignerInfo) -> bool:
    gost.register_asn1()
    return (
        si["digest_algorithm"]["algorithm"].dotted in gost.DIGEST_NAMES
        or si["signature_algorithm"]["algorithm"].dotted in {**gost.KEY_NAMES, **gost.SIG_NAMES}
    )


def is_gost_signed_data(sd: cms.SignedData) -> bool:
    return any(is_gost_signer_info(si) for si in sd["signer_infos"])


@dataclass
class SignerCheck:
    cert: asn1_x509.Certificate | None = None
    other_certs: list[asn1_x509.Certificate] = field(default_factory=list)
    #: the content still hashes to the signed message digest
    intact: bool = False
    #: the signature over the signed attributes verifies with the certificate's key
    valid: bool = False
    signing_time: dt.datetime | None = None
    errors: list[str] = field(default_factory=list)


def _find_cert(sd: cms.SignedData, si: cms.SignerInfo) -> asn1_x509.Certificate | None:
    sid = si["sid"]
    for choice in sd["certificates"] or []:
        if choice.name != "certificate":
            continue
        cert: asn1_x509.Certificate = choice.chosen
        if sid.name == "issuer_and_serial_number":
            ias = sid.chosen
            if cert.serial_number == ias["serial_number"].native and cert.issuer == ias["issuer"]:
                return cert
        elif sid.name == "subject_key_identifier" and cert.key_identifier == sid.chosen.native:
            return cert
    return None


def _attr(si: cms.SignerInfo, name: str) -> Any:
    attrs = si["signed_attrs"]
    if attrs.native is None:
        return None
    found = [a for a in attrs if a["type"].native == name]
    if len(found) != 1 or len(found[0]["values"]) != 1:
        return None
    return found[0]["values"][0]


def check_signer(
    sd: cms.SignedData,
    si: cms.SignerInfo,
    content_digest: Callable[[int], bytes],
) -> SignerCheck:
    """Cryptographic check of one GOST signer info. ``content_digest(bits)`` gives the Streebog
    digest of the signed content (the file, or a PDF's byte ranges). Problems go to ``errors``
    in Russian; nothing raises for a malformed signature."""
    res = SignerCheck()
    res.other_certs = [c.chosen for c in sd["certificates"] or [] if c.name == "certificate"]
    digest_oid = si["digest_algorithm"]["algorithm"].dotted
    res.cert = _find_cert(sd, si)
    if res.cert is None:
        res.errors.append("в подписи нет сертификата подписанта")
        return res
    try:
        key = gost.cert_public_key(res.cert)
    except gost.GostError as exc:
        res.errors.append(str(exc))
        return res
    if key is None:
        res.errors.append("хэш ГОСТ Р 34.11, но ключ сертификата подписанта — не ГОСТ Р 34.10-2012")
        return res
    if digest_oid == gost.GOST_94:
        res.errors.append(
            "хэш посчитан по ГОСТ Р 34.11-94: этот алгоритм не допускается для подписи с ключом ГОСТ Р 34.10-2012 "
            "(нужен ГОСТ Р 34.11-2012, «Стрибог»)"
        )
        return res
    if digest_oid != key.digest_oid:
        res.errors.append(
            f"алгоритм хэширования подписи ({si['digest_algorithm']['algorithm'].native}) не соответствует "
            f"ключу ГОСТ Р 34.10-2012 {key.bits} бит (нужен «Стрибог-{key.bits}»)"
        )
        return res
    if si["signed_attrs"].native is None:
        res.errors.append("в подписи нет подписанных атрибутов (CAdES требует их)")
        return res
    content_type = _attr(si, "content_type")
    if content_type is None or content_type.native != "data":
        res.errors.append("атрибут типа содержимого подписи отсутствует или неверен")
    md = _attr(si, "message_digest")
    if md is None:
        res.errors.append("в подписи нет хэша подписанных данных")
        return res
    res.intact = md.native == content_digest(key.bits)
    sig_algo = si["signature_algorithm"]["algorithm"].dotted
    if sig_algo not in (key.key_oid, gost.SIG_256 if key.bits == 256 else gost.SIG_512):
        res.errors.append("алгоритм подписи не соответствует ключу сертификата")
        return res
    res.valid = key.verify(si["signed_attrs"].untag().dump(force=False), si["signature"].native)
    if res.valid:
        ess = _attr(si, "signing_certificate_v2")
        if ess is not None and not _ess_matches(ess, res.cert):
            res.valid = False
            res.errors.append("атрибут сертификата подписанта не соответствует приложенному сертификату")
    st = _attr(si, "signing_time")
    if st is not None:
        res.signing_time = st.native
    return res


def _ess_matches(ess: Any, cert: asn1_x509.Certificate) -> bool:
    try:
        first = ess["certs"][0]
        oid = first["hash_algorithm"]["algorithm"].dotted
        bits = gost.digest_bits(oid)
        if bits is None:
            return False
        return bool(first["cert_hash"].native == gost.streebog(cert.dump(), bits))
    except (ValueError, KeyError, IndexError, TypeError):
        return False


__all__ = [
    "GostCmsSigner",
    "GostSignatureValidator",
    "SignerCheck",
    "add_signer",
    "check_signer",
    "is_gost_signed_data",
    "path_trusted",
    "signed_data",
]
