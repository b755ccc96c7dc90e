"""Request and response models of accounts, keys and profiles (API.md §2)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field

from promptbank.inputs import StrictInput
from promptbank.outputs import Output

#: Whitespace to exclude in a character class, meaning the same to Python's `re` and to ECMA-262 (the
#: schema's dialect): their `\s` differ in \x1c-\x1f and \x85 (Python only) and \ufeff (ECMA only).
WHITESPACE = r"\s\x1c-\x1f\x85\ufeff"
EMAIL_RE = re.compile(r"^[^@" + WHITESPACE + r"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def _email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not EMAIL_RE.fullmatch(value):
        raise ValueError("Not a valid email address")
    return value


#: An avatar URL: https, a host, no whitespace (also the schema's pattern).
HTTPS_URL_RE = re.compile(r"^https://[^/$.?#" + WHITESPACE + r"][^" + WHITESPACE + r"]{0,2040}$")


def _https_url(value: str) -> str:
    if not HTTPS_URL_RE.fullmatch(value):
        raise ValueError("Must be an https URL")
    return value


# The schema states the rules as patterns; the validators apply the same regexes with friendlier messages.
Email = Annotated[str, Field(max_length=254, json_schema_extra={"pattern": EMAIL_RE.pattern}), AfterValidator(_email)]
Password = Annotated[str, Field(min_length=8, max_length=256)]
Username = Annotated[str, Field(min_length=3, max_length=30, pattern=r"^[a-z0-9_]+$")]
Plan = Literal["free", "pro", "team"]


class Input(StrictInput):
    model_config = ConfigDict(str_strip_whitespace=False)


class RegisterIn(Input):
    email: Email
    password: Password
    name: Annotated[str, Field(min_length=1, max_length=80)]


class LoginIn(Input):
    email: Annotated[str, Field(min_length=1, max_length=254)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class KeyCreateIn(Input):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    environment: Literal["production", "development"] = "production"
    access: Literal["full", "read"] = "full"


class ProfileUpdateIn(Input):
    # Not nullable: a profile always has a display name. `None` here only means "not sent".
    display_name: Annotated[str, Field(min_length=1, max_length=80)] = None  # type: ignore[assignment]
    bio: Annotated[str, Field(max_length=300)] | None = None
    username: Username | None = None
    avatar_url: (
        Annotated[str, Field(json_schema_extra={"pattern": HTTPS_URL_RE.pattern}), AfterValidator(_https_url)] | None
    ) = None


# Responses -----------------------------------------------------------------------------------------------
class User(Output):
    """The calling account (`GET /v1/auth/me`)."""

    id: str
    email: str
    name: str
    plan: Plan
    created_at: str


class ApiKey(Output):
    """An API key as listed; `prefix` is the first 12 characters of the raw key, which is never shown again."""

    id: str
    name: str
    prefix: str
    environment: Literal["production", "development"]
    access: Literal["full", "read"]
    last_used_at: str | None
    created_at: str


class CreatedApiKey(Output):
    """`POST /v1/keys`: the new key and, this once, its raw value."""

    api_key: ApiKey
    raw_key: str


class Session(Output):
    """`POST /v1/auth/register` and `/login`: the user and a new session token (also set as the cookie)."""

    user: User
    session_token: str


class PublicProfile(Output):
    """A user's public face (`GET /v1/users/{user_id}`, `/v1/u/{username}`)."""

    id: str
    display_name: str
    username: str | None
    avatar_url: str | None
    bio: str | None
    created_at: str


class Profile(PublicProfile):
    """Your own profile (`GET/PATCH /v1/profile`): the public one with email and plan."""

    email: str
    plan: Plan
