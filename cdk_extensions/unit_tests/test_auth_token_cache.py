import logging
import os
import stat
from pathlib import Path

import orjson
import pytest
from cryptography.fernet import Fernet

from cdk_extensions.auth.token_cache import (
    FORGET_AFTER_SECONDS,
    CachedToken,
    TokenCache,
    credential_key,
)

NOW = 1_800_000_000.0
TOKEN = CachedToken(access_token="access-secret-123", expires_at=NOW + 1800, refresh_token="refresh-456")


def encrypted_cache(path: Path, key: bytes) -> TokenCache:
    return TokenCache(path=path, key=key, clock=lambda: NOW)


def test_a_token_survives_a_restart_and_is_never_stored_in_clear(tmp_path: Path) -> None:
    key = Fernet.generate_key()
    path = tmp_path / "cache" / "tokens"
    encrypted_cache(path, key).put("k", TOKEN)

    assert encrypted_cache(path, key).get("k") == TOKEN
    raw = path.read_bytes()
    assert b"access-secret-123" not in raw and b"refresh-456" not in raw


def test_the_file_is_private_from_the_start_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    old_umask = os.umask(0o000)  # even a permissive umask must not widen the mode
    try:
        encrypted_cache(path, Fernet.generate_key()).put("k", TOKEN)
    finally:
        os.umask(old_umask)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["tokens"]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"not a fernet token", id="corrupt"),
        pytest.param(
            Fernet(Fernet.generate_key()).encrypt(b'{"version": 1, "entries": {}}'), id="foreign-key"
        ),
    ],
)
def test_an_unreadable_file_is_discarded_with_a_warning(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "tokens"
    path.write_bytes(content)
    key = Fernet.generate_key()
    cache = encrypted_cache(path, key)

    with caplog.at_level(logging.WARNING, logger="airbyte"):
        assert cache.get("k") is None
    assert "discarding" in caplog.text

    cache.put("k", TOKEN)  # and the next write replaces it with a good file
    assert encrypted_cache(path, key).get("k") == TOKEN


@pytest.mark.parametrize(
    "document",
    [
        pytest.param([1, 2], id="not-an-object"),
        pytest.param({"version": 99, "entries": {}}, id="unknown-version"),
        pytest.param({"version": 1, "entries": []}, id="entries-not-an-object"),
        pytest.param({"version": 1, "entries": {"k": {"access_token": 5, "expires_at": 1}}}, id="wrong-type"),
        pytest.param({"version": 1, "entries": {"k": {"expires_at": 1}}}, id="missing-field"),
    ],
)
def test_a_file_of_the_wrong_shape_is_discarded_with_a_warning(
    tmp_path: Path, document: object, caplog: pytest.LogCaptureFixture
) -> None:
    key = Fernet.generate_key()
    path = tmp_path / "tokens"
    path.write_bytes(Fernet(key).encrypt(orjson.dumps(document)))

    with caplog.at_level(logging.WARNING, logger="airbyte"):
        assert encrypted_cache(path, key).get("k") is None
    assert "unexpected content" in caplog.text


def test_long_expired_entries_are_forgotten_on_write(tmp_path: Path) -> None:
    key = Fernet.generate_key()
    path = tmp_path / "tokens"
    cache = encrypted_cache(path, key)
    recently_expired = CachedToken("a", NOW - 60, refresh_token="rotated")
    cache.put("old", CachedToken("b", NOW - FORGET_AFTER_SECONDS - 1))
    cache.put("recent", recently_expired)

    reloaded = encrypted_cache(path, key)
    assert reloaded.get("old") is None
    assert reloaded.get("recent") == recently_expired  # still holds the latest refresh token


def test_without_a_key_the_cache_stays_in_memory(tmp_path: Path) -> None:
    cache = TokenCache.from_environment({"CDK_TOKEN_CACHE_PATH": str(tmp_path / "tokens")})
    cache.put("k", TOKEN)

    assert not cache.persistent
    assert cache.get("k") == TOKEN
    assert os.listdir(tmp_path) == []


def test_the_key_can_come_from_a_key_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_bytes(Fernet.generate_key() + b"\n")
    environ = {"CDK_TOKEN_CACHE_KEY_FILE": str(key_file), "CDK_TOKEN_CACHE_PATH": str(tmp_path / "tokens")}
    TokenCache.from_environment(environ).put("k", TOKEN)

    assert TokenCache.from_environment(environ).get("k") == TOKEN


@pytest.mark.parametrize(
    "environ",
    [
        pytest.param({"CDK_TOKEN_CACHE_KEY": "not-a-fernet-key"}, id="malformed-key"),
        pytest.param({"CDK_TOKEN_CACHE_KEY_FILE": "/nonexistent/key"}, id="missing-key-file"),
    ],
)
def test_an_unusable_key_falls_back_to_memory_with_a_warning(
    environ: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        cache = TokenCache.from_environment(environ)
    assert not cache.persistent
    assert "caching in memory only" in caplog.text


def test_credential_keys_hide_the_identity_and_separate_its_parts() -> None:
    key = credential_key("client-id", "refresh-token-secret")

    assert "refresh-token-secret" not in key and "client-id" not in key
    assert key == credential_key("client-id", "refresh-token-secret")
    assert key != credential_key("client-i", "drefresh-token-secret")
