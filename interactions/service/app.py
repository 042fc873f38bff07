"""The HTTP service: CDS Hooks discovery, the three hook services and their feedback endpoint.

Starlette served by uvicorn. Every answer is JSON; bad input gets a 4xx with an error code and a
message saying what was expected, and an unexpected failure a 500 whose log line names only the
exception type: request bodies hold patient data and are never logged.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..check.engine import Checker
from ..errors import InteractionsError
from ..fhir.read import FhirReader
from .auth import JwtVerifier
from .cards import cards_for
from .feedback import FeedbackStore
from .hooks import SERVICES, RequestError, discovery, gather

log = logging.getLogger("interactions.service")

DEFAULT_FEEDBACK_PATH = Path("interactions-feedback.sqlite3")
DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024
DRAIN_FACTOR = 4
# Pairs grow with the square of the list: 100 distinct medications check in under a second even
# when half of them are magnesium; real active lists are far shorter.
DEFAULT_MAX_MEDICATIONS = 100
_JSON_DEPTH_ERRORS = (RecursionError,)


def create_app(checker: Checker | None = None,
               feedback_path: Path | str | None = DEFAULT_FEEDBACK_PATH, *,
               rules_dir: Path | None = None,
               max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
               max_medications: int = DEFAULT_MAX_MEDICATIONS,
               cors_origins: list[str] | tuple[str, ...] = (),
               jwt_verifier: JwtVerifier | None = None) -> Starlette:
    """The ASGI app. ``checker`` defaults to the bundled rules (or ``rules_dir``);
    ``feedback_path`` is the SQLite file for card outcomes (None: kept in memory only);
    ``jwt_verifier`` turns on verification of the client's JWT; ``cors_origins`` lets a browser
    sandbox on those origins call the service."""
    checker = checker if checker is not None else Checker.from_rules(rules_dir)
    reader = FhirReader(checker.resolver)
    store = FeedbackStore(feedback_path)
    discovery_body = discovery()

    async def list_services(request: Request) -> JSONResponse:
        return JSONResponse(discovery_body)

    async def root(request: Request) -> JSONResponse:
        return JSONResponse({"service": "interactions CDS Hooks service",
                             "discovery": str(request.url_for("discovery"))})

    async def call_service(request: Request) -> JSONResponse:
        began = time.perf_counter()
        service = _service(request)
        _authorise(request, jwt_verifier)
        body = await _json_body(request, max_body_bytes)
        gathered = gather(service, body, reader)
        items = gathered.source.items
        if len(items) > max_medications:
            raise RequestError("too-many-medications", f"the request holds {len(items)} distinct "
                                                       f"medications; the limit is {max_medications}")
        report = checker.check(items, gathered.source.context)
        cards = cards_for(report, gathered, service.hook, body["hookInstance"], store.issued)
        # Server-Timing: the time spent in the service itself, apart from the network and queue.
        took = (time.perf_counter() - began) * 1000
        return JSONResponse({"cards": cards}, headers={"server-timing": f"app;dur={took:.2f}"})

    async def feedback(request: Request) -> JSONResponse:
        service = _service(request)
        _authorise(request, jwt_verifier)
        body = await _json_body(request, max_body_bytes)
        count = store.record(service.id, body)
        return JSONResponse({"recorded": count})

    routes = [
        Route("/", _guard(root), methods=["GET"]),
        Route("/cds-services", _guard(list_services), methods=["GET"], name="discovery"),
        Route("/cds-services/{service_id}", _guard(call_service), methods=["POST"]),
        Route("/cds-services/{service_id}/feedback", _guard(feedback), methods=["POST"]),
    ]
    middleware = []
    if cors_origins:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(cors_origins),
                                     allow_methods=["GET", "POST", "OPTIONS"],
                                     allow_headers=["Authorization", "Content-Type"], max_age=600))
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={HTTPException: _http_error})
    app.state.checker, app.state.feedback = checker, store
    return app


def _service(request: Request):
    service_id = request.path_params["service_id"]
    service = SERVICES.get(service_id)
    if service is None:
        raise RequestError("unknown-service", f"no CDS service {service_id!r}; "
                                              f"GET /cds-services lists them: {', '.join(SERVICES)}",
                           404)
    return service


def _authorise(request: Request, verifier: JwtVerifier | None) -> None:
    if verifier is not None:
        endpoint = str(request.url.replace(query=None, fragment=None))
        endpoint = endpoint.removesuffix("/feedback")
        verifier.verify(request.headers.get("authorization"), endpoint)


async def _json_body(request: Request, limit: int):
    declared = request.headers.get("content-length")
    if declared is not None and not declared.isdigit():
        raise RequestError("invalid-request", "the Content-Length header is not a number")
    too_large = declared is not None and int(declared) > limit
    chunks, size = [], 0
    # An oversized body is still read (and dropped), up to a bound, before the 413: a client
    # still sending when the server answers and closes sees a reset instead of the answer.
    if not too_large or int(declared) <= DRAIN_FACTOR * limit:
        async for chunk in request.stream():
            size += len(chunk)
            too_large = too_large or size > limit
            if too_large:
                if size > DRAIN_FACTOR * limit:
                    break
                continue
            chunks.append(chunk)
    if too_large:
        raise RequestError("body-too-large", f"the request body is over the limit of {limit} "
                                             "bytes", 413)
    raw = b"".join(chunks)
    if not raw.strip():
        raise RequestError("empty-body", "the request has no body; expected a JSON object")
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except _NotJson as exc:
        raise RequestError("malformed-json", f"the body is not valid JSON: {exc}") from None
    except UnicodeDecodeError:
        raise RequestError("malformed-json", "the body is not UTF-8 text; expected JSON") from None
    except json.JSONDecodeError as exc:
        raise RequestError("malformed-json", f"the body is not valid JSON: {exc.msg} at line "
                                             f"{exc.lineno}, column {exc.colno}") from None
    except _JSON_DEPTH_ERRORS:
        raise RequestError("malformed-json", "the JSON is nested too deeply") from None


class _NotJson(ValueError):
    pass


def _no_constant(name: str):
    """NaN and Infinity are not JSON (RFC 8259), though Python's parser takes them."""
    raise _NotJson(f"{name} is not a JSON value")


def _guard(endpoint):
    """Every library or request error becomes a JSON 4xx; anything else a JSON 500 whose log line
    names only the exception type (its message could quote the request)."""
    async def guarded(request: Request) -> JSONResponse:
        try:
            return await endpoint(request)
        except RequestError as exc:
            return _error(exc.status, exc.code, str(exc))
        except InteractionsError as exc:
            return _error(400, "invalid-input", str(exc))
        except RecursionError:
            return _error(400, "invalid-input", "the request is nested too deeply")
        except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback out
            log.error("internal error on %s %s: %s", request.method, request.url.path,
                      type(exc).__name__)
            return _error(500, "internal-error", "the service failed on this request; "
                                                 "the error has been logged without its data")
    return guarded


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    message = {404: f"no such path {request.url.path!r}; the CDS services are listed at "
                    "GET /cds-services",
               405: f"{request.method} is not allowed on {request.url.path!r}"}.get(
        exc.status_code, str(exc.detail))
    return _error(exc.status_code, code, message, getattr(exc, "headers", None))


def _error(status: int, code: str, message: str, headers=None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, "status": status}, status_code=status,
                        headers=headers)
