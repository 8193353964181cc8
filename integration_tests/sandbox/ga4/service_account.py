"""Test service accounts: a fresh RSA key and the JSON key file Google would hand out for it.

The key file's `token_uri` points at the fake's token endpoint, so `google-auth` (and a
connector configured with the file) signs its JWTs with the test key and sends them there.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ANALYTICS_READONLY_SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
ANALYTICS_SCOPES = (ANALYTICS_READONLY_SCOPE, "https://www.googleapis.com/auth/analytics")


@dataclass(frozen=True)
class ServiceAccountKey:
    """A service account's key file content (`info`) and the public half of its key."""

    info: dict[str, str]
    public_key_pem: bytes

    @property
    def client_email(self) -> str:
        return self.info["client_email"]

    @property
    def key_id(self) -> str:
        return self.info["private_key_id"]

    @property
    def project_id(self) -> str:
        return self.info["project_id"]

    def write(self, path: Path) -> Path:
        """Write the key file, readable by its owner only (it holds a private key)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump(self.info, file, indent=2)
        return path


def generate_service_account(
    token_uri: str, *, project_id: str = "sandbox-project", name: str = "ga4-reader"
) -> ServiceAccountKey:
    """A new service account with a 2048-bit RSA key (the size Google issues)."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    client_email = f"{name}@{project_id}.iam.gserviceaccount.com"
    info = {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": secrets.token_hex(20),
        "private_key": private_pem.decode(),
        "client_email": client_email,
        "client_id": str(secrets.randbelow(10**20)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{client_email}",
        "universe_domain": "googleapis.com",
    }
    return ServiceAccountKey(info, public_pem)
