"""frmr-server command line: seed-demo JSON shape, migrate, serve's loopback rule."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from server.cli import is_loopback, main
from server.testing import free_port, login


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], capture_output=True, text=True, timeout=120)


def test_seed_demo_json_shape_and_rerun(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed-demo", "--database-url", db_url, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["accounts"]
    roles = [a["role"] for a in out["accounts"]]
    assert roles.count("doctor") >= 2 and roles.count("hr") == 2 and "manager" in roles and "admin" in roles
    for a in out["accounts"]:
        assert set(a) == {"role", "login", "password", "totp_secret", "snils"}
        assert (a["snils"] is not None) == (a["role"] == "doctor")
    from desktop.demo import demo_record

    demo_snils = demo_record()["person"][0]["snils"]
    assert demo_snils in {a["snils"] for a in out["accounts"]}
    # a second run issues fresh credentials and duplicates nothing
    assert main(["seed-demo", "--database-url", db_url, "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert [a["login"] for a in again["accounts"]] == [a["login"] for a in out["accounts"]]
    assert main(["seed-demo", "--database-url", db_url]) == 0
    assert "пароль" in capsys.readouterr().out
    assert main(["migrate", "--database-url", db_url]) == 0


def test_serve_refuses_plain_http_beyond_loopback(tmp_path: Path) -> None:
    r = _cli("serve", "--host", "0.0.0.0", "--database-url", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert r.returncode == 2 and "--certfile" in r.stderr and "127.0.0.1" in r.stderr
    r = _cli("serve", "--host", "127.0.0.1", "--certfile", "a.pem", "--database-url", "sqlite://")
    assert r.returncode == 2
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("[::1]") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10") and not is_loopback("example.org")


def test_serve_runs_and_demo_login_works(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    seeded = _cli("seed-demo", "--database-url", url, "--json")
    assert seeded.returncode == 0, seeded.stderr
    acc = {a["login"]: a for a in json.loads(seeded.stdout)["accounts"]}
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--database-url", url, "--port", str(port),
                             "--log-level", "warning"])
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                import time

                time.sleep(0.1)
        tokens = login(base, "doctor", acc["doctor"]["password"], acc["doctor"]["totp_secret"])
        assert tokens["user"]["person_id"]
        spec = httpx.get(base + "/openapi.json").json()
        assert "/sync/push" in spec["paths"] and "/oauth/token" in spec["paths"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
