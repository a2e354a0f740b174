"""api.py of the recipe: the app's API, verifying Latchkey access tokens (RFC 9068 JWTs, ES256)
locally by the IdP's JWKS, as DRF's authentication class or a plain view would."""

import threading
import time

import requests
from authlib.jose import JsonWebKey, JsonWebToken
from authlib.jose.errors import JoseError
from django.conf import settings
from django.http import JsonResponse

# ES256 only: the algorithm comes from the verifier, never from the token's header.
_jwt = JsonWebToken(["ES256"])
_jwks = None
_fetched_at = 0.0
_jwks_guard = threading.Lock()


def _keys(reload: bool = False):
    global _jwks, _fetched_at
    with _jwks_guard:
        # A reload at most once a minute: tokens with made-up kids must not each cost a fetch.
        if _jwks is None or (reload and time.monotonic() - _fetched_at > 60):
            issuer = settings.LATCHKEY_ISSUER
            metadata = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=5).json()
            _jwks = JsonWebKey.import_key_set(requests.get(metadata["jwks_uri"], timeout=5).json())
            _fetched_at = time.monotonic()
        return _jwks


def verify_access_token(token: str) -> dict:
    """The token's claims; raises JoseError (or ValueError) when it is not one to accept."""
    options = {
        "iss": {"essential": True, "value": settings.LATCHKEY_ISSUER},
        "aud": {"essential": True, "value": settings.LATCHKEY_CLIENT_ID},
        "sub": {"essential": True},
        "exp": {"essential": True},
    }
    try:
        claims = _jwt.decode(token, _keys(), claims_options=options)
    except ValueError:
        # A kid the cached set lacks: the IdP rotated its keys. Fetch the set once more.
        claims = _jwt.decode(token, _keys(reload=True), claims_options=options)
    claims.validate(leeway=30)
    # RFC 9068 §4: typ at+jwt, so that no ID token (typ JWT) passes for an access token.
    if claims.header.get("typ") != "at+jwt":
        raise JoseError("not an RFC 9068 access token")
    return dict(claims)


def _unauthorized(error: str):
    response = JsonResponse({"error": error}, status=401)
    # RFC 6750 §3: the scheme and, for a token that failed, error="invalid_token".
    response["WWW-Authenticate"] = (
        'Bearer error="invalid_token"' if error == "invalid_token" else "Bearer"
    )
    return response


def me(request):
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return _unauthorized("unauthorized")
    try:
        claims = verify_access_token(token)
    except (JoseError, ValueError):
        return _unauthorized("invalid_token")
    return JsonResponse({"sub": claims["sub"], "roles": claims.get("roles", []), "jti": claims.get("jti")})
