"""Benchmark of issue 19: sign and verify one справка with ГОСТ Р 34.10-2012 (256 bit), with an
RSA-2048 baseline measured in the same run, a batch of 100, and a batch cancelled after N
documents (``--cancel-after``): it must stop within one document and leave only whole files.

    uv run python bench/gost_sign.py [--runs 9] [--batch 100] [--cancel-after 10] [--json]

Targets: GOST-256 sign median <= 1 s, verify median <= 1 s. The GOST certificate comes from
``openssl`` with the GOST engine (scripts/system-deps test installs it), as in the tests.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desktop.demo import demo_record  # noqa: E402
from desktop.documents import testpki  # noqa: E402
from desktop.documents.batch import sign_batch, sign_files  # noqa: E402
from desktop.documents.pdf import generate  # noqa: E402
from desktop.documents.signing import PdfSignOptions, load_p12, sign_pdf  # noqa: E402
from desktop.documents.verify import verify_pdf  # noqa: E402

TARGETS = {"gost256_sign_ms": 1000.0, "gost256_verify_ms": 1000.0}


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def cancel_run(signer: Any, pdf: bytes, opts: PdfSignOptions, total: int, after: int) -> dict[str, Any]:
    """Sign ``total`` files to disk in a thread, as the GUI does; «Отмена» once ``after`` are done.

    The latency is from the cancel to the batch's return: at most the one document in hand."""
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp, "in"), Path(tmp, "out")
        src.mkdir()
        out.mkdir()
        paths = []
        for i in range(total):
            paths.append(src / f"d{i}.pdf")
            paths[-1].write_bytes(pdf)
        cancel = threading.Event()
        reached = threading.Event()
        box: list[Any] = []

        def progress(d: int, _total: int, _name: str) -> None:
            if d >= after:
                reached.set()

        worker = threading.Thread(target=lambda: box.append(sign_files(signer, paths, out, opts, progress, cancel)))
        worker.start()
        reached.wait()
        time.sleep(0.05)  # the person clicks while the next document is being signed
        t = time.perf_counter()
        cancel.set()
        at_cancel = len(list(out.iterdir()))
        worker.join()
        latency = time.perf_counter() - t
        result = box[0]
        files = sorted(out.iterdir())
        assert result.cancelled and len(files) == len(result.items) == len(result.written)
        assert len(result.items) - at_cancel <= 1, "more than one document signed after the cancel"
        assert all(verify_pdf(f.read_bytes()).valid for f in files[:3])
        return {"cancel_after": after, "cancel_signed": len(result.items), "cancel_of": total,
                "cancel_extra_docs": len(result.items) - at_cancel, "cancel_latency_ms": latency * 1000,
                "cancel_stray_files": len(files) - len(result.written)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--cancel-after", type=int, default=10, help="cancel the batch after N documents (0: skip)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        root = testpki.gost_issue(folder, "root", "/C=RU/CN=Bench GOST CA", ca=True)
        doc = testpki.gost_issue(folder, "doc", testpki.gost_subject(("Иванова", "Мария", "Сергеевна"),
                                                                     "11223344595", "500100732259"), issuer=root)
        gost_signer = load_p12(doc.pair_pem, None)
        from cryptography import x509

        gost_roots = [x509.load_pem_x509_certificate(root.cert_pem)]
    ca = testpki.issue("Bench CA", ca=True)
    rsa_signer = load_p12(testpki.issue("Иванова Мария Сергеевна", issuer=ca).p12("pw"), "pw")
    pdf = generate("seniority", demo_record()).pdf
    opts = PdfSignOptions(visible=True)
    for s in (gost_signer, rsa_signer):  # warm-up: imports, fonts, curve set-up
        verify_pdf(sign_pdf(s, pdf, opts).data)

    res: dict[str, Any] = {"pdf_bytes": len(pdf), "runs": args.runs}
    for name, signer, roots in (("gost256", gost_signer, gost_roots), ("rsa2048", rsa_signer, [ca.cert])):
        res[f"{name}_sign_ms"] = statistics.median(timed(functools.partial(sign_pdf, signer, pdf, opts), args.runs))
        signed = sign_pdf(signer, pdf, opts).data
        assert verify_pdf(signed, roots).valid
        res[f"{name}_verify_ms"] = statistics.median(timed(functools.partial(verify_pdf, signed, roots), args.runs))
    if args.batch:
        done: list[int] = []
        t = time.perf_counter()
        batch = sign_batch(gost_signer, [(f"d{i}.pdf", pdf) for i in range(args.batch)], opts,
                           lambda d, total, n: done.append(d))
        res[f"gost256_batch{args.batch}_s"] = time.perf_counter() - t
        assert not batch.failed and done[-1] == args.batch
    if args.batch and 0 < args.cancel_after < args.batch:
        res.update(cancel_run(gost_signer, pdf, opts, args.batch, args.cancel_after))

    ok = all(res[k] <= v for k, v in TARGETS.items())
    if args.json:
        print(json.dumps({**res, "targets": TARGETS, "ok": ok}, ensure_ascii=False, indent=2))
    else:
        print(f"справка {res['pdf_bytes']} bytes, median of {args.runs} runs")
        for k, v in res.items():
            if k.endswith("_ms"):
                target = f" (target <= {TARGETS[k]:.0f})" if k in TARGETS else ""
                print(f"  {k:20} {v:8.1f} ms{target}")
            elif k.endswith("_s"):
                print(f"  {k:20} {v:8.1f} s ({v / args.batch * 1000:.0f} ms/doc)")
        if "cancel_signed" in res:
            print(f"  cancel after {res['cancel_after']} of {res['cancel_of']}: stopped with {res['cancel_signed']} "
                  f"signed ({res['cancel_extra_docs']} finished after the cancel), no stray files")
        print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
