"""settings.py of the recipe (docs/recipes/django.md). The test sets the environment; a
deployment would too (the secrets never live in the repository)."""

import os

LATCHKEY_ISSUER = os.environ["LATCHKEY_ISSUER"]
LATCHKEY_CLIENT_ID = os.environ["LATCHKEY_CLIENT_ID"]
LATCHKEY_CLIENT_SECRET = os.environ["LATCHKEY_CLIENT_SECRET"]
# Where the IdP sends the browser after logout; registered with the client.
LATCHKEY_POST_LOGOUT_REDIRECT_URI = os.environ["LATCHKEY_POST_LOGOUT_REDIRECT_URI"]
# The app's own API, which the pages call with the user's access token.
API_BASE_URL = os.environ["API_BASE_URL"]

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "rp.urls"
INSTALLED_APPS = []
DATABASES = {}
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
# The tokens are kept in the server-side session store, never in a cookie: not the
# signed_cookies engine, which would put them in the browser (signed, not encrypted). The
# file engine needs no database; a deployment would use its cache or database engine.
SESSION_ENGINE = "django.contrib.sessions.backends.file"
SESSION_FILE_PATH = os.environ["DJANGO_SESSION_DIR"]
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_SAMESITE = "Lax"
USE_TZ = True
LOGGING = {
    "version": 1,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["stderr"], "level": "WARNING"}},
}
