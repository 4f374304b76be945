"""Sign-in for the local stack: development tokens in place of the Cognito user pool.

:class:`DevIdentityProvider` generates an RSA key when the stack starts (kept in memory, never written or
committed), issues ID tokens shaped like Cognito's for any user name, and publishes the public key as a JWKS, so
the authorizers verify local tokens with exactly the code that verifies Cognito's (:mod:`practice_shared.auth`).

* ``POST /auth/dev-token`` ``{"username": "ada", "groups": ["admin"]}`` -> ``{"id_token", "token_type",
  "expires_in", "user_id", "username", "groups"}``. The user id (``sub``) is derived from the name, so a name
  is the same user for as long as the stack runs.
* ``GET /auth/.well-known/jwks.json``: the signing key (the path Cognito uses under its issuer URL).
* ``GET /auth-config.json``: tells the web app to sign in this way (in AWS that file says ``"mode": "cognito"``).
"""

import json
import re
import secrets
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from practice_shared.auth import TokenVerifier

CLIENT_ID = "local-web-client"
TOKEN_LIFETIME = 3600
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$")
GROUP = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_GROUPS = 10


class DevIdentityProvider:
    """Issues and publishes the keys of local development tokens; issuer ``<base_url>/auth``."""

    def __init__(self, base_url: str):
        self.issuer = f"{base_url}/auth"
        self.jwks_url = f"{self.issuer}/.well-known/jwks.json"
        self.client_id = CLIENT_ID
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._kid = secrets.token_hex(8)

    @staticmethod
    def user_id(username: str) -> str:
        """The stable ``sub`` of a user name (a UUID, as Cognito's are)."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"interview-practice-local-user:{username}"))

    def issue(
        self, username: str, groups: tuple[str, ...] | list[str] = (), lifetime: int = TOKEN_LIFETIME, **claims: Any
    ) -> str:
        """An ID token for ``username`` (in ``groups``), valid for ``lifetime`` seconds; ``claims`` replace or add
        claims (tests use them to make tokens a verifier must refuse)."""
        now = int(time.time())
        token_claims: dict[str, Any] = {
            "sub": self.user_id(username),
            "aud": self.client_id,
            "iss": self.issuer,
            "token_use": "id",
            "auth_time": now,
            "iat": now,
            "exp": now + lifetime,
            "cognito:username": username,
        }
        if groups:
            token_claims["cognito:groups"] = list(groups)
        return jwt.encode({**token_claims, **claims}, self._key, algorithm="RS256", headers={"kid": self._kid})

    def jwks(self) -> dict[str, Any]:
        """The public signing key as a JSON Web Key Set."""
        key = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**key, "kid": self._kid, "alg": "RS256", "use": "sig"}]}

    def environment(self) -> dict[str, str]:
        """The variables the template's authorizer function reads, pointing at this provider."""
        return {"AUTH_ISSUER": self.issuer, "AUTH_JWKS_URL": self.jwks_url, "AUTH_CLIENT_ID": self.client_id}

    def verifier(self) -> TokenVerifier:
        """The shared verifier, configured for this provider's tokens."""
        return TokenVerifier(self.issuer, self.client_id, self.jwks_url)

    def routes(self) -> list[Route]:
        return [
            Route("/auth/dev-token", self._token, methods=["POST"]),
            Route("/auth/.well-known/jwks.json", lambda _: JSONResponse(self.jwks()), methods=["GET"]),
            Route("/auth-config.json", self._config, methods=["GET"]),
        ]

    async def _token(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            body = None
        username = body.get("username") if isinstance(body, dict) else None
        groups = body.get("groups", []) if isinstance(body, dict) else None
        if not isinstance(username, str) or not USERNAME.match(username):
            return _refuse("Give a user name: 1 to 64 letters, digits, spaces or . _ @ -, starting with a letter.")
        if (
            not isinstance(groups, list)
            or len(groups) > MAX_GROUPS
            or not all(isinstance(g, str) and GROUP.match(g) for g in groups)
        ):
            return _refuse(f"groups must be a list of at most {MAX_GROUPS} group names.")
        return JSONResponse(
            {
                "id_token": self.issue(username, groups),
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME,
                "user_id": self.user_id(username),
                "username": username,
                "groups": groups,
            }
        )

    @staticmethod
    async def _config(_: Request) -> Response:
        return JSONResponse({"mode": "local", "tokenUrl": "/auth/dev-token"}, headers={"Cache-Control": "no-store"})


def _refuse(message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": "validation_error", "message": message}}, status_code=422)
