"""Users, their email/username claims, credentials (API keys and sessions) and login failure counters."""

from __future__ import annotations

from typing import Any

from promptbank.errors import Conflict, NotFound
from promptbank.store.base import TableStore, TransactOp

NOT_EXISTS = "attribute_not_exists(pk)"


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def cred_pk(hashed: str) -> str:
    return f"CRED#{hashed}"


def credential_item(credential: dict[str, Any]) -> dict[str, Any]:
    """A credential (session or API key) keyed by its token's hash, which is not stored besides."""
    fields = {k: v for k, v in credential.items() if k != "token_hash"}
    return {"pk": cred_pk(credential["token_hash"]), "sk": "CRED", **fields}


class AccountStore(TableStore):
    # users ---------------------------------------------------------------------------------------------------
    def create_user(self, user: dict[str, Any], session: dict[str, Any]) -> None:
        """The user, the claim on its email and its first session (`token_hash` names it), all or nothing
        (unique email)."""
        self.transact(
            [
                TransactOp.put({"pk": f"EMAIL#{user['email_lower']}", "sk": "EMAIL", "user_id": user["id"]}, NOT_EXISTS),
                TransactOp.put({"pk": user_pk(user["id"]), "sk": "USER", **user}, NOT_EXISTS),
                TransactOp.put(credential_item(session), NOT_EXISTS),
            ],
            on_conflict=lambda index: Conflict("Email is already registered") if index == 0 else Conflict(),
        )

    def get_user(self, user_id: str) -> dict[str, Any] | None:
        return self.get(user_pk(user_id), "USER")

    def require_user(self, user_id: str) -> dict[str, Any]:
        user = self.get_user(user_id)
        if user is None:
            raise NotFound("User not found")
        return user

    def user_id_by_email(self, email_lower: str, *, consistent: bool = False) -> str | None:
        claim = self.get(f"EMAIL#{email_lower}", "EMAIL", consistent=consistent)
        return claim["user_id"] if claim else None

    def user_id_by_username(self, username: str) -> str | None:
        claim = self.get(f"USERNAME#{username}", "USERNAME")
        return claim["user_id"] if claim else None

    def update_profile(self, user: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        """Set/remove profile fields; a username change moves the unique claim in the same transaction."""
        sets, removes, values, names = [], [], {}, {}
        for index, (field, value) in enumerate(changes.items()):
            names[f"#f{index}"] = field
            if value is None:
                removes.append(f"#f{index}")
            else:
                sets.append(f"#f{index} = :v{index}")
                values[f":v{index}"] = value
        expression = " ".join(
            part for part in (f"SET {', '.join(sets)}" if sets else "", f"REMOVE {', '.join(removes)}" if removes else "") if part
        )
        ops: list[TransactOp] = []
        old, new = user.get("username"), changes.get("username", user.get("username"))
        if "username" in changes and new != old:
            if new:
                ops.append(TransactOp.put({"pk": f"USERNAME#{new}", "sk": "USERNAME", "user_id": user["id"]}, NOT_EXISTS))
            if old:
                ops.append(
                    TransactOp.delete(f"USERNAME#{old}", "USERNAME", "user_id = :me", values={":me": user["id"]})
                )
        if expression:
            ops.append(
                TransactOp.update(user_pk(user["id"]), "USER", expression, "attribute_exists(pk)", names=names, values=values or None)
            )
        if ops:
            self.transact(ops, on_conflict=lambda _: Conflict("Username is already taken"))
        return self.require_user(user["id"]) if ops else user

    # credentials ------------------------------------------------------------------------------------------
    def get_credential(self, hashed: str) -> dict[str, Any] | None:
        return self.get(cred_pk(hashed), "CRED")

    def put_session(self, session: dict[str, Any]) -> None:
        """A new session, stored under its `token_hash`."""
        self.put(credential_item(session), condition=NOT_EXISTS)

    def delete_session(self, hashed: str) -> None:
        self.delete(cred_pk(hashed), "CRED")

    def create_api_key(self, user_id: str, credential: dict[str, Any], record: dict[str, Any]) -> None:
        """The key's credential (under its `token_hash`) and the user's record of it (`id`), both new."""
        item = {"pk": user_pk(user_id), "sk": f"APIKEY#{record['id']}", **record}
        self.transact([TransactOp.put(credential_item(credential), NOT_EXISTS), TransactOp.put(item, NOT_EXISTS)])

    def list_api_keys(self, user_id: str) -> list[dict[str, Any]]:
        return self.query_all(
            "pk = :pk AND begins_with(sk, :prefix)", {":pk": user_pk(user_id), ":prefix": "APIKEY#"}, consistent=True
        )

    def get_api_key(self, user_id: str, key_id: str) -> dict[str, Any] | None:
        return self.get(user_pk(user_id), f"APIKEY#{key_id}", consistent=True)

    def revoke_api_key(self, user_id: str, key_id: str, key_hash: str) -> None:
        self.transact(
            [
                TransactOp.delete(user_pk(user_id), f"APIKEY#{key_id}", "attribute_exists(pk)"),
                TransactOp.delete(cred_pk(key_hash), "CRED"),
            ],
            on_conflict=lambda _: NotFound("API key not found"),
        )

    def touch_api_key(self, user_id: str, key_id: str, now_iso: str, stale_before_iso: str) -> None:
        """Record use at most once a minute: the condition makes every other write a cheap no-op."""
        self.update(
            user_pk(user_id),
            f"APIKEY#{key_id}",
            "SET last_used_at = :now",
            condition="attribute_exists(pk) AND (attribute_not_exists(last_used_at) OR last_used_at < :stale)",
            values={":now": now_iso, ":stale": stale_before_iso},
            on_conflict=lambda: Conflict(),
        )

    # login failures --------------------------------------------------------------------------------------
    def login_failures(self, email_lower: str) -> dict[str, Any] | None:
        return self.get(f"LOGINFAIL#{email_lower}", "LOGINFAIL", consistent=True)

    def record_login_failure(self, email_lower: str, now_epoch: int, window_s: int) -> None:
        """Count a failure in the current window, or start a new window when the old one has passed."""
        pk = f"LOGINFAIL#{email_lower}"
        try:
            self.update(
                pk,
                "LOGINFAIL",
                "ADD failures :one",
                condition="window_start > :cutoff",
                values={":one": 1, ":cutoff": now_epoch - window_s},
                on_conflict=lambda: Conflict(),
            )
        except Conflict:
            self.put(
                {"pk": pk, "sk": "LOGINFAIL", "failures": 1, "window_start": now_epoch, "ttl": now_epoch + window_s}
            )

    def clear_login_failures(self, email_lower: str) -> None:
        self.delete(f"LOGINFAIL#{email_lower}", "LOGINFAIL")
