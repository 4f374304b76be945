"""Sign-in tokens: verifying the JSON Web Tokens users present, and the identity they carry.

In AWS the tokens are Cognito user pool ID tokens; locally the local stack issues development tokens of the same
shape, signed with a key it generates at start-up, and serves their JWKS. One :class:`TokenVerifier` serves the
WebSocket ``$connect`` authorizer (:mod:`gateway.authorizer`) and the local stack's emulation of the REST API's
Cognito authorizer, so both accept exactly the same tokens: an RS256 signature by a key of the issuer's JWKS, the
issuer, the audience (the app client id), ``token_use: id``, and a current expiry.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt

from practice_shared import errors
from practice_shared.config import get_settings

ALGORITHMS = ["RS256"]
LEEWAY_SECONDS = 30
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "token_use"]
INVALID = "The sign-in token is not valid; please sign in again."


@dataclass(frozen=True)
class Identity:
    """A verified caller: the user id (the token's ``sub``), the user name and the Cognito groups."""

    user_id: str
    username: str = ""
    groups: tuple[str, ...] = ()

    def in_group(self, group: str) -> bool:
        """Whether the caller belongs to ``group``."""
        return group in self.groups


def parse_groups(value: Any) -> tuple[str, ...]:
    """Cognito groups from a JSON list, or from the flattened string API Gateway passes ("a,b" or "[a b]")."""
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value if str(v))
    return tuple(part for part in re.split(r"[\s,]+", str(value).strip().strip("[]")) if part)


def identity_from_claims(claims: Mapping[str, Any]) -> Identity:
    """The identity a token's (verified) claims describe."""
    return Identity(
        user_id=str(claims["sub"]),
        username=str(claims.get("cognito:username") or ""),
        groups=parse_groups(claims.get("cognito:groups")),
    )


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization`` header: ``Bearer <token>``, or the bare token as Cognito authorizers allow."""
    if not header or not header.strip():
        return None
    scheme, _, rest = header.strip().partition(" ")
    return (rest.strip() if scheme.lower() == "bearer" else header.strip()) or None


class TokenVerifier:
    """Verifies tokens of one issuer and app client; the issuer's signing keys are fetched once and cached."""

    def __init__(self, issuer: str, audience: str, jwks_url: str, *, token_use: str = "id", timeout: float = 5.0):
        if not (issuer and audience and jwks_url):
            raise ValueError("A token verifier needs an issuer, an audience (app client id) and a JWKS URL.")
        self.issuer, self.audience, self.token_use = issuer, audience, token_use
        self._keys = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600, timeout=timeout)

    def claims(self, token: str) -> dict[str, Any]:
        """The verified claims of ``token``.

        Raises ``Unauthorized`` (401) for any token that is not a current ID token of this issuer and client, and
        ``DownstreamUnavailable`` (503) when the issuer's keys cannot be fetched.
        """
        try:
            key = self._keys.get_signing_key_from_jwt(token).key
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWKClientConnectionError as exc:
            raise errors.DownstreamUnavailable("The sign-in service could not be reached; please try again.") from exc
        except jwt.ExpiredSignatureError as exc:
            raise errors.Unauthorized("The sign-in token has expired; please sign in again.") from exc
        except jwt.PyJWTError as exc:
            raise errors.Unauthorized(INVALID) from exc
        if claims.get("token_use") != self.token_use:
            raise errors.Unauthorized(f"{INVALID} (an {self.token_use} token is required)")
        return claims

    def signing_keys(self) -> int:
        """How many signing keys the issuer publishes (fetching them if needed); 503 when they cannot be fetched."""
        try:
            return len(self._keys.get_signing_keys())
        except jwt.PyJWKClientError as exc:
            raise errors.DownstreamUnavailable("The sign-in service's keys could not be fetched.") from exc

    def verify(self, token: str) -> Identity:
        """The identity of a valid token (see :meth:`claims`)."""
        return identity_from_claims(self.claims(token))


@cache
def verifier() -> TokenVerifier:
    """The verifier configured by ``AUTH_ISSUER``, ``AUTH_CLIENT_ID`` and ``AUTH_JWKS_URL`` (one per container)."""
    settings = get_settings()
    if not (settings.auth_issuer and settings.auth_client_id and settings.auth_jwks_url):
        raise RuntimeError("Sign-in is not configured: set AUTH_ISSUER, AUTH_CLIENT_ID and AUTH_JWKS_URL.")
    return TokenVerifier(settings.auth_issuer, settings.auth_client_id, settings.auth_jwks_url)
