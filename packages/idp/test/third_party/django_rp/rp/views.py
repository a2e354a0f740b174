"""A page that calls the app's API as the signed-in user, refreshing once when it says 401."""

import requests
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect

from .auth import refresh_session


def _call_api(token: dict):
    return requests.get(
        f"{settings.API_BASE_URL}/api/me",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=5,
    )


def profile(request):
    token = request.session.get("token")
    if token is None:
        return redirect("/auth/login")
    answer = _call_api(token)
    if answer.status_code == 401:
        token = refresh_session(request)
        if token is None:
            return redirect("/auth/login")
        answer = _call_api(token)
    # The CSRF token is what a form on this page would carry to /auth/refresh and /auth/logout.
    return JsonResponse({"api": answer.json(), "csrf": get_token(request)}, status=answer.status_code)


def signed_out(_request):
    return HttpResponse("signed out", content_type="text/plain")
