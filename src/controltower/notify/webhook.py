"""Notification webhooks: a JSON POST signed with HMAC-SHA256.

The body is ``{id, kind, title, body, link, case_id, cause, created_at}`` (``link`` a
full address) and the header ``X-ControlTower-Signature: sha256=<hex>`` is the HMAC of
the raw body under ``NOTIFY_WEBHOOK_SECRET``, so the receiver can check it came from
Control Tower. Any answer but 2xx, or none within the timeout, is a failure.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from controltower.notify.smtp import SendError

SIGNATURE_HEADER: Final = "X-ControlTower-Signature"
#: seconds a receiver has to answer
WEBHOOK_TIMEOUT: Final = 10.0


def signature(secret: bytes, body: bytes) -> str:
    """The header's value for ``body``: ``sha256=`` and the hex HMAC."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class WebhookSender:
    def __init__(self, secret: str, *, timeout: float = WEBHOOK_TIMEOUT) -> None:
        self._secret = secret.encode("utf-8")
        self.timeout = timeout

    def __repr__(self) -> str:  # never the secret
        return f"WebhookSender(timeout={self.timeout})"

    def send(self, url: str, payload: dict[str, Any]) -> None:
        body = encode(payload)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(self._secret, body),
        }
        where = _where(url)
        try:
            response = httpx.post(url, content=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as error:
            raise SendError(f"webhook {where}: {type(error).__name__}: {error}") from None
        if not 200 <= response.status_code < 300:
            raise SendError(f"webhook {where}: answered HTTP {response.status_code}")


def _where(url: str) -> str:
    """The receiver without its path and query (they may carry a key of the receiver's)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
