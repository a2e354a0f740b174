"""auth.py of the recipe: sign-in (authorization code + PKCE, RFC 7636), refresh and
RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) with Authlib's Django client."""

import threading
from urllib.parse import urlencode

from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

oauth = OAuth()
oauth.register(
    "latchkey",
    server_metadata_url=f"{settings.LATCHKEY_ISSUER}/.well-known/openid-configuration",
    client_id=settings.LATCHKEY_CLIENT_ID,
    client_secret=settings.LATCHKEY_CLIENT_SECRET,
    client_kwargs={"scope": "openid profile email offline_access", "code_challenge_method": "S256"},
)


def login(request):
    # Authlib keeps state, nonce and the PKCE verifier in the session until the callback.
    return oauth.latchkey.authorize_redirect(request, request.build_absolute_uri("/auth/callback"))


def callback(request):
    token = oauth.latchkey.authorize_access_token(request)  # checks state, nonce, ID token
    request.session.cycle_key()  # a new session id at sign-in (session fixation)
    request.session["token"] = token  # kept server-side, never sent to the browser
    return redirect("/profile")


# One refresh at a time per session: the IdP rotates refresh tokens and revokes the whole
# family when a used one comes back (RFC 9700 §4.14.2), so two requests must not both spend
# the same one. This lock is per process; with several workers, lock in the shared cache.
_refresh_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(session_key: str) -> threading.Lock:
    with _locks_guard:
        return _refresh_locks.setdefault(session_key, threading.Lock())


def refresh_session(request) -> dict | None:
    """The session's tokens after a refresh at the IdP, or None when the IdP refused it."""
    with _lock_for(request.session.session_key):
        request.session.modified = True
        current = request.session.get("token")
        if current is None:
            return None
        try:
            fresh = oauth.latchkey.fetch_access_token(
                refresh_token=current["refresh_token"], grant_type="refresh_token"
            )
        except OAuthError:
            # invalid_grant: revoked (logout, the family revoked) or expired. Sign out here too.
            request.session.flush()
            return None
        # A refresh response need not repeat the ID token: keep the sign-in's for logout.
        token = {**current, **fresh}
        request.session["token"] = token
        request.session.save()
        return token


@require_POST  # CSRF-checked by Django's middleware, like every POST
def refresh(request):
    token = refresh_session(request)
    if token is None:
        return JsonResponse({"error": "session_ended"}, status=401)
    return JsonResponse({"expires_at": token["expires_at"]})


@require_POST  # a GET logout would let any page sign the user out
def logout(request):
    token = request.session.get("token") or {}
    request.session.flush()
    metadata = oauth.latchkey.load_server_metadata()
    query = {"post_logout_redirect_uri": settings.LATCHKEY_POST_LOGOUT_REDIRECT_URI}
    if "id_token" in token:
        query["id_token_hint"] = token["id_token"]
    else:
        query["client_id"] = settings.LATCHKEY_CLIENT_ID
    return redirect(f"{metadata['end_session_endpoint']}?{urlencode(query)}")
