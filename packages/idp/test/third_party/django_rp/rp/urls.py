from django.urls import path

from . import api, auth, views

urlpatterns = [
    path("auth/login", auth.login),
    path("auth/callback", auth.callback),
    path("auth/refresh", auth.refresh),
    path("auth/logout", auth.logout),
    path("api/me", api.me),
    path("profile", views.profile),
    path("signed-out", views.signed_out),
]
