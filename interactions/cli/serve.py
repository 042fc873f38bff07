"""`interactions serve`: run the CDS Hooks service (needs the 'service' extra).

Registered in app.py with ``app.command()(serve)``. The command parses options, builds the app
with one library call (``interactions.service.create_app``) and hands it to uvicorn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import InputError
from .common import RulesOption


def serve(
    host: Annotated[str, typer.Option(
        help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8080,
    rules: RulesOption = None,
    feedback: Annotated[Path, typer.Option(
        "--feedback", help="SQLite file for card outcomes sent to the feedback endpoints.",
        dir_okay=False, metavar="FILE")] = Path("interactions-feedback.sqlite3"),
    cors_origin: Annotated[Optional[list[str]], typer.Option(
        "--cors-origin", help="Let a browser page on this origin call the service (repeatable; "
                              "'*' for any, e.g. a public CDS Hooks sandbox).")] = None,
    jwt_jwks: Annotated[Optional[Path], typer.Option(
        "--jwt-jwks", help="Require a JWT from the CDS client, verified with the public keys in "
                           "this JWKS file.", dir_okay=False, metavar="FILE")] = None,
    jwt_issuer: Annotated[Optional[list[str]], typer.Option(
        "--jwt-issuer", help="With --jwt-jwks: accepted 'iss' values (repeatable).")] = None,
    jwt_audience: Annotated[Optional[list[str]], typer.Option(
        "--jwt-audience", help="With --jwt-jwks: accepted 'aud' values (default: the URL the "
                               "request was sent to).")] = None,
    max_medications: Annotated[int, typer.Option(
        "--max-medications", help="Most distinct medications one request may hold.", min=1)] = 100,
    max_body: Annotated[int, typer.Option(
        "--max-body", help="Largest request body accepted, in bytes.", min=1024)] = 2 * 1024 * 1024,
    access_log: Annotated[bool, typer.Option(
        "--access-log", help="Log one line per request (method, path, status).")] = False,
) -> None:
    """Serve CDS Hooks (order-select, order-sign, patient-view) over HTTP until interrupted."""
    try:
        import uvicorn

        from ..service import JwtVerifier, create_app
    except ImportError as exc:
        raise InputError(f"the service needs its extra packages ({exc.name} is missing): "
                         "pip install 'interactions[service]'") from None
    verifier = None
    if jwt_jwks is not None:
        try:
            verifier = JwtVerifier.from_file(jwt_jwks, issuers=jwt_issuer or [],
                                             audience=jwt_audience or [])
        except (OSError, ValueError) as exc:
            raise typer.BadParameter(f"{jwt_jwks}: {exc}", param_hint="--jwt-jwks") from None
    app = create_app(feedback_path=feedback, rules_dir=rules, max_body_bytes=max_body,
                     max_medications=max_medications,
                     cors_origins=cors_origin or [], jwt_verifier=verifier)
    typer.echo(f"interactions: CDS Hooks discovery at http://{host}:{port}/cds-services", err=True)
    uvicorn.run(app, host=host, port=port, access_log=access_log, log_level="info",
                server_header=False)
