"""The real server: `serve` started in a subprocess on 127.0.0.1, called over HTTP, stopped.

Also the optional JWT check, end to end through the ASGI app.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import warnings

import pytest

pytest.importorskip("uvicorn")
pytest.importorskip("starlette")

from conftest import FIXTURES

ORDER_SELECT = "/cds-services/magnesium-interactions-order-select"
SERVE = "import typer; from interactions.cli.serve import serve; typer.run(serve)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url, body: bytes | None = None, headers=None):
    request = urllib.request.Request(url, data=body, headers=headers or {},
                                     method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    feedback = tmp_path_factory.mktemp("serve") / "feedback.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, "--host", "127.0.0.1", "--port", str(port),
         "--feedback", str(feedback)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            call(base + "/cds-services")
            break
        except (urllib.error.URLError, ConnectionError):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the server did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
    yield base, feedback
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stderr.close()


def test_the_real_server_answers_discovery_hooks_feedback_and_errors(server):
    base, feedback = server
    status, found = call(base + "/cds-services")
    assert status == 200 and len(found["services"]) == 3
    body = (FIXTURES / "cds" / "order-select-doxycycline-magnesium-ckd4.json").read_bytes()
    status, answer = call(base + ORDER_SELECT, body, {"content-type": "application/json"})
    assert status == 200
    assert [c["indicator"] for c in answer["cards"]] == ["critical", "critical"]
    card = answer["cards"][1]["uuid"]
    outcome = {"feedback": [{"card": card, "outcome": "overridden",
                             "outcomeTimestamp": "2026-12-03T10:05:31Z"}]}
    status, answer = call(base + ORDER_SELECT + "/feedback", json.dumps(outcome).encode(),
                          {"content-type": "application/json"})
    assert (status, answer) == (200, {"recorded": 1})
    assert feedback.exists()
    status, answer = call(base + ORDER_SELECT, b"{not json", {"content-type": "application/json"})
    assert status == 400 and answer["error"] == "malformed-json"
    status, answer = call(base + ORDER_SELECT, b"x" * (3 * 1024 * 1024))
    assert status == 413 and answer["error"] == "body-too-large"


# -- JWT (CDS Hooks 2.0: ES384 or RS384, iss, aud = the service endpoint, exp, iat, jti) --------

jwt = pytest.importorskip("jwt")


@pytest.fixture(scope="module")
def signing():
    from cryptography.hazmat.primitives.asymmetric import ec
    from jwt.algorithms import ECAlgorithm

    private = ec.generate_private_key(ec.SECP384R1())
    public = json.loads(ECAlgorithm.to_jwk(private.public_key()))
    public.update(kid="ehr-key-1", alg="ES384", use="sig")
    return private, {"keys": [public]}


def token(private, aud, **claims):
    now = int(time.time())
    payload = {"iss": "https://ehr.example.org", "aud": aud, "iat": now, "exp": now + 300,
               "jti": str(uuid.uuid4()), **claims}
    return jwt.encode(payload, private, algorithm="ES384", headers={"kid": "ehr-key-1"})


def test_jwt_is_checked_when_a_key_set_is_configured(checker, signing):
    from interactions.service import JwtVerifier, create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    private, jwks = signing
    verifier = JwtVerifier(jwks, issuers=["https://ehr.example.org"])
    client = TestClient(create_app(checker, feedback_path=None, jwt_verifier=verifier))
    url = "http://testserver" + ORDER_SELECT
    body = json.loads((FIXTURES / "cds" / "order-select-nothing-found.json").read_text())

    def post(auth, path=ORDER_SELECT, data=body):
        headers = {"authorization": auth} if auth else {}
        return client.post(path, json=data, headers=headers)

    assert post(f"Bearer {token(private, url)}").status_code == 200
    # the same token twice is a replay
    once = f"Bearer {token(private, url)}"
    assert post(once).status_code == 200
    assert post(once).json()["message"] == "the JWT's jti was already used"
    refused = {
        "none": post(None),
        "not a jwt": post("Bearer abc"),
        "wrong audience": post(f"Bearer {token(private, 'https://elsewhere.example.org')}"),
        "expired": post(f"Bearer {token(private, url, exp=int(time.time()) - 600)}"),
        "wrong issuer": post(f"Bearer {token(private, url, iss='https://evil.example.org')}"),
    }
    for what, response in refused.items():
        assert response.status_code == 401, what
        assert response.json()["error"] == "unauthorized", what
    from cryptography.hazmat.primitives.asymmetric import ec
    other = ec.generate_private_key(ec.SECP384R1())
    assert post(f"Bearer {token(other, url)}").status_code == 401
    # feedback is authenticated the same way, with the service's URL as audience
    fb = {"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-12-03T10:05:31Z"}]}
    assert post(f"Bearer {token(private, url)}", ORDER_SELECT + "/feedback", fb).status_code == 200
    # discovery stays open, as the spec allows
    assert client.get("/cds-services").status_code == 200


def test_jwt_is_off_by_default(checker):
    from interactions.service import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    client = TestClient(create_app(checker, feedback_path=None))
    body = json.loads((FIXTURES / "cds" / "order-select-nothing-found.json").read_text())
    assert client.post(ORDER_SELECT, json=body).status_code == 200


def test_serve_refuses_an_unreadable_key_set(tmp_path):
    bad = tmp_path / "jwks.json"
    bad.write_text("{}")
    result = subprocess.run([sys.executable, "-c", SERVE, "--jwt-jwks", str(bad)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--jwt-jwks" in result.stderr and "Traceback" not in result.stderr


def test_serve_registers_as_a_typer_command_with_help():
    import typer
    from typer.testing import CliRunner

    from interactions.cli.serve import serve

    app = typer.Typer()
    app.command()(serve)  # how app.py registers it
    app.command("other")(lambda: None)  # two commands, so `serve` is a subcommand as in app.py
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--rules", "--feedback", "--cors-origin", "--jwt-jwks",
                   "--max-body", "--max-medications"):
        assert option in result.output
