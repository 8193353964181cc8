"""Access tokens kept across restarts, encrypted at rest.

A restarted sync reuses a still-valid token instead of asking the provider for a new one (HubSpot
access tokens live 30 minutes, Google ones an hour). Entries are keyed by a HASH of the credential
identity, so neither the key nor the file name ever carries a secret.

Configuration (environment):
- `CDK_TOKEN_CACHE_KEY`: a Fernet key (`Fernet.generate_key()`), or
- `CDK_TOKEN_CACHE_KEY_FILE`: path of a file holding that key;
- `CDK_TOKEN_CACHE_PATH`: the cache file (default `~/.cache/cdk_extensions/token_cache`).
Without a usable key the cache lives in memory only (logged once): tokens are never written in
clear. A cache file that is corrupt, of an unknown shape or encrypted with another key is
discarded with a WARNING; it is a cache, so losing it only costs one token request.

Several processes may share the file: writes are atomic (temporary file + rename), and a lost
update between two processes only costs a token request.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken

KEY_ENV = "CDK_TOKEN_CACHE_KEY"
KEY_FILE_ENV = "CDK_TOKEN_CACHE_KEY_FILE"
PATH_ENV = "CDK_TOKEN_CACHE_PATH"
DEFAULT_PATH = Path("~/.cache/cdk_extensions/token_cache")
FORMAT_VERSION = 1
# Entries whose access token expired long ago are dropped when the file is written. They are kept
# a while because an expired entry may still carry the latest (rotated) refresh token.
FORGET_AFTER_SECONDS = 30 * 24 * 3600

logger = logging.getLogger("airbyte")


@dataclass(frozen=True)
class CachedToken:
    """An access token, when it expires (epoch seconds) and, for rotating providers, the refresh
    token to use next."""

    access_token: str
    expires_at: float
    refresh_token: str | None = None


def credential_key(*identity: str) -> str:
    """A cache key for a credential: a SHA-256 over its identifying parts (secrets included, so a
    new refresh token means a new entry), never the parts themselves."""
    digest = hashlib.sha256()
    for part in identity:
        digest.update(part.encode())
        digest.update(b"\0")  # ("ab", "c") and ("a", "bc") must not collide
    return digest.hexdigest()


class TokenCache:
    """Tokens by credential key, in memory and, when `path` and `key` are given, in a Fernet-encrypted
    file read at first use and rewritten on every `put`."""

    def __init__(
        self,
        path: Path | None = None,
        key: bytes | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if (path is None) != (key is None):
            raise ValueError("an encrypted token cache needs both a path and a key")
        self._path = path
        self._fernet = Fernet(key) if key is not None else None
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, CachedToken] | None = None  # loaded lazily

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> TokenCache:
        """The cache the environment asks for; in memory only when no usable key is configured."""
        key = _key_from_environment(environ)
        if key is None:
            return cls()
        path = Path(environ.get(PATH_ENV) or DEFAULT_PATH).expanduser()
        return cls(path=path, key=key)

    @property
    def persistent(self) -> bool:
        return self._path is not None

    def get(self, key: str) -> CachedToken | None:
        with self._lock:
            return self._loaded().get(key)

    def put(self, key: str, token: CachedToken) -> None:
        with self._lock:
            entries = self._loaded()
            entries[key] = token
            forget_before = self._clock() - FORGET_AFTER_SECONDS
            for stale_key in [k for k, entry in entries.items() if entry.expires_at < forget_before]:
                del entries[stale_key]
            self._write(entries)

    def _loaded(self) -> dict[str, CachedToken]:
        if self._entries is None:
            self._entries = self._read()
        return self._entries

    def _read(self) -> dict[str, CachedToken]:
        if self._path is None or self._fernet is None or not self._path.exists():
            return {}
        try:
            document = orjson.loads(self._fernet.decrypt(self._path.read_bytes()))
            return _entries_from_document(document)
        except InvalidToken:
            logger.warning(
                f"Token cache {self._path} is corrupt or was encrypted with another key; discarding it."
            )
        except (orjson.JSONDecodeError, TypeError, ValueError, KeyError) as error:
            logger.warning(f"Token cache {self._path} has an unexpected content ({error}); discarding it.")
        except OSError as error:
            logger.warning(f"Token cache {self._path} cannot be read ({error}); starting empty.")
        return {}

    def _write(self, entries: Mapping[str, CachedToken]) -> None:
        if self._path is None or self._fernet is None:
            return
        document = {"version": FORMAT_VERSION, "entries": {k: asdict(v) for k, v in entries.items()}}
        try:
            _write_private_file(self._path, self._fernet.encrypt(orjson.dumps(document)))
        except OSError as error:
            logger.warning(f"Token cache {self._path} cannot be written ({error}); tokens stay in memory.")


@cache
def shared_token_cache() -> TokenCache:
    """The process-wide cache, so every authenticator of a connector shares its tokens."""
    cache = TokenCache.from_environment()
    if not cache.persistent:
        logger.info(
            f"Access tokens are cached in memory only: set {KEY_ENV} or {KEY_FILE_ENV} "
            "to keep them encrypted across restarts."
        )
    return cache


def _key_from_environment(environ: Mapping[str, str]) -> bytes | None:
    key_text = environ.get(KEY_ENV)
    source = KEY_ENV
    if not key_text and environ.get(KEY_FILE_ENV):
        source = environ[KEY_FILE_ENV]
        try:
            key_text = Path(source).expanduser().read_text().strip()
        except OSError as error:
            logger.warning(f"Token cache key file {source} cannot be read ({error}); caching in memory only.")
            return None
    if not key_text:
        return None
    try:
        Fernet(key_text.encode())
    except ValueError:
        logger.warning(f"Token cache key from {source} is not a Fernet key; caching in memory only.")
        return None
    return key_text.encode()


def _entries_from_document(document: Any) -> dict[str, CachedToken]:
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
        raise ValueError("not a token cache document of this version")
    entries = document["entries"]
    if not isinstance(entries, dict):
        raise ValueError("entries is not an object")
    return {str(key): _token_from_entry(entry) for key, entry in entries.items()}


def _token_from_entry(entry: Any) -> CachedToken:
    if not isinstance(entry, dict):
        raise ValueError("entry is not an object")
    access_token, expires_at = entry["access_token"], entry["expires_at"]
    refresh_token = entry.get("refresh_token")
    if not isinstance(access_token, str) or not isinstance(expires_at, int | float):
        raise ValueError("entry has a wrong type")
    if refresh_token is not None and not isinstance(refresh_token, str):
        raise ValueError("entry refresh_token has a wrong type")
    return CachedToken(access_token, float(expires_at), refresh_token)


def _write_private_file(path: Path, content: bytes) -> None:
    """Replace `path` atomically with a file only its owner can read (0600 from the first byte)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.unlink(missing_ok=True)  # left over by a crashed process that had the same pid
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
