"""Optional verification of the CDS client's JWT (CDS Hooks 2.0, "Trusting CDS Clients").

The client sends `Authorization: Bearer <JWT>` signed with its private key (ES384 or RS384);
the service checks the signature with the client's public keys (a JWKS file configured here:
the service fetches nothing), the issuer, the audience (this service's endpoint URL), the
expiry, and that the `jti` is not replayed.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from pathlib import Path

from .hooks import RequestError

ALGORITHMS = ("ES384", "RS384")  # the two the specification names


class JwtVerifier:
    def __init__(self, jwks: dict, issuers: list[str] | None = None,
                 audience: list[str] | None = None, algorithms=ALGORITHMS, leeway: float = 30.0):
        import jwt  # PyJWT, from the service extra

        self._jwt = jwt
        try:
            self.keys = jwt.PyJWKSet.from_dict(jwks).keys
        except (jwt.PyJWKError, jwt.PyJWKSetError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"the JWT key set cannot be used: {exc}") from None
        self.issuers = list(issuers or [])
        self.audience = list(audience or [])
        self.algorithms = list(algorithms)
        self.leeway = leeway
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_file(cls, path: Path | str, **options) -> JwtVerifier:
        """A JWKS (`{"keys": [...]}`) or a single JWK, as JSON."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if "keys" not in data:
            data = {"keys": [data]}
        return cls(data, **options)

    def verify(self, authorization: str | None, endpoint_url: str) -> dict:
        jwt = self._jwt
        if not authorization or not authorization.startswith("Bearer "):
            raise RequestError("unauthorized", "a JWT bearer token is required "
                                               "(Authorization: Bearer <jwt>)", 401)
        token = authorization[len("Bearer "):].strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise RequestError("unauthorized", "the bearer token is not a JWT", 401) from None
        key = self._key(header.get("kid"))
        audience = self.audience or [endpoint_url]
        try:
            claims = jwt.decode(token, key.key, algorithms=self.algorithms, audience=audience,
                                issuer=self.issuers or None, leeway=self.leeway,
                                options={"require": ["iss", "aud", "exp", "iat", "jti"]})
        except jwt.PyJWTError as exc:
            raise RequestError("unauthorized", f"the JWT was refused: {exc}", 401) from None
        self._not_replayed(str(claims["jti"]), float(claims["exp"]))
        return claims

    def _key(self, kid):
        if kid is not None:
            for key in self.keys:
                if key.key_id == kid:
                    return key
            raise RequestError("unauthorized", f"the JWT's key id {kid!r} is not a trusted key", 401)
        if len(self.keys) == 1:
            return self.keys[0]
        raise RequestError("unauthorized", "the JWT has no key id ('kid') to choose a key by", 401)

    def _not_replayed(self, jti: str, exp: float) -> None:
        now = time.time()
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now - self.leeway:
                self._seen.popitem(last=False)
            if jti in self._seen:
                raise RequestError("unauthorized", "the JWT's jti was already used", 401)
            self._seen[jti] = exp
