"""KMS: a provider key's ciphertext is bound to its user and provider by the encryption context."""

from __future__ import annotations

import pytest

from promptbank.provider_keys.crypto import KeyCipher, KeyDecryptFailed


def test_a_ciphertext_decrypts_for_its_own_user_and_provider(stack):
    # Given a key encrypted for u1/openai
    cipher = KeyCipher()
    blob = cipher.encrypt("sk-secret-value", user_id="u1", provider="openai")
    # When it is decrypted for u1/openai; then the key comes back
    assert cipher.decrypt(blob, user_id="u1", provider="openai") == "sk-secret-value"


@pytest.mark.parametrize(("user_id", "provider"), [("u2", "openai"), ("u1", "anthropic")])
def test_a_ciphertext_copied_to_another_user_or_provider_does_not_decrypt(stack, user_id, provider):
    # Given a key encrypted for u1/openai
    cipher = KeyCipher()
    blob = cipher.encrypt("sk-secret-value", user_id="u1", provider="openai")
    # When it is decrypted as another user's or another provider's
    # Then KMS refuses, and the error does not quote the key
    with pytest.raises(KeyDecryptFailed) as refused:
        cipher.decrypt(blob, user_id=user_id, provider=provider)
    assert "sk-secret" not in str(refused.value)
