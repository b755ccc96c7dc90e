"""The `pb_session` cookie: HttpOnly, SameSite=Lax, Secure when deployed."""

from __future__ import annotations

from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from promptbank.auth.secrets import COOKIE_NAME
from promptbank.settings import get_settings


def session_cookie(raw_token: str) -> Cookie:
    settings = get_settings()
    return Cookie(
        name=COOKIE_NAME,
        value=raw_token,
        path="/",
        secure=settings.deployed,
        http_only=True,
        same_site=SameSite.LAX_MODE,
        max_age=settings.session_days * 86400,
    )


def cleared_cookie() -> Cookie:
    return Cookie(
        name=COOKIE_NAME, value="", path="/", secure=get_settings().deployed, http_only=True,
        same_site=SameSite.LAX_MODE, max_age=0,
    )
