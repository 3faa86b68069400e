"""One Odoo database, reached through its external API, for the rest of the product.

The client logs in once (``common.authenticate``) and then sends every call as
``object.execute_kw`` with the API key, as Odoo checks credentials on each call and keeps
no session for external clients. It adds what Odoo leaves to callers:

- retries with exponential backoff and jitter on passing failures (refused or reset
  connections, HTTP 502/503/504, timeouts, database serialization failures), giving up
  with :class:`OdooUnavailable` once the next wait would pass the policy's limit. A call
  that may change data is only sent again when Odoo surely did not run it;
- errors a person can act on (``errors``), naming the URL, database, login, model and
  field involved, and never the API key;
- keyset paging (``pages``), because Odoo's default orders are not stable while data
  changes and deep OFFSETs get slow.

One client may be shared by several threads: it holds no per-call state, and httpx's
connection pool is thread-safe. However many threads share it, at most
``MAX_IN_FLIGHT`` requests are sent at once (the connector's promise to Odoo's workers);
a retry waits outside that bound.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any, Literal

import httpx

from controltower.connectors.odoo.errors import (
    CallContext,
    OdooError,
    OdooProtocolError,
    OdooUnavailable,
    ServerFault,
    TransientFailure,
    error_for_fault,
)
from controltower.connectors.odoo.transport import (
    JsonRpcTransport,
    Transport,
    XmlRpcTransport,
    make_http_client,
)

__all__ = ["Domain", "OdooClient", "OdooConnection", "OdooVersion", "RetryPolicy"]

log = logging.getLogger(__name__)

Domain = Sequence[str | Sequence[object]]
"""An Odoo domain: ``[("state", "=", "sale"), "|", ("a", "=", 1), ("b", "=", 2)]``."""

DEFAULT_ATTRIBUTES = ("type", "string", "selection", "store", "relation", "required")

MAX_IN_FLIGHT = 4
"""The most requests one client has in flight at once, whatever its callers do."""

# Calls that change nothing in Odoo, so they may be sent again when an answer was lost.
_READ_METHODS = frozenset(
    {
        "search_read",
        "search",
        "search_count",
        "read",
        "fields_get",
        "name_search",
        "read_group",
        "formatted_read_group",
        "web_search_read",
        "exists",
        "default_get",
        "check_access_rights",
        "has_group",
        "version",
        "authenticate",
        "login",
        "about",
    }
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to keep trying through passing failures.

    Waits start at ``first_delay`` seconds and double up to ``max_delay``, each scaled by
    a random factor in [0.5, 1] so that several clients do not retry in step. The client
    gives up when the next wait would end more than ``give_up_after`` seconds after the
    first try.
    """

    give_up_after: float = 60.0
    first_delay: float = 0.5
    max_delay: float = 8.0

    def __post_init__(self) -> None:
        if self.give_up_after < 0 or self.first_delay <= 0 or self.max_delay < self.first_delay:
            raise ValueError(
                "RetryPolicy needs give_up_after >= 0, first_delay > 0 and "
                f"max_delay >= first_delay (got {self.give_up_after}, {self.first_delay}, "
                f"{self.max_delay})"
            )

    def wait_before(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1 for the first retry)."""
        base = min(self.max_delay, self.first_delay * 2.0 ** min(retry - 1, 30))
        return base * random.uniform(0.5, 1.0)


@dataclass(frozen=True, slots=True)
class OdooConnection:
    """Where and as whom to reach Odoo; ``repr`` leaves the API key out.

    ``api_key`` may also be the user's password (Odoo accepts either); ``timeout`` bounds
    every HTTP exchange, in seconds.
    """

    url: str
    db: str
    login: str
    api_key: str = field(repr=False)
    protocol: Literal["jsonrpc", "xmlrpc"] = "jsonrpc"
    timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        if self.protocol not in ("jsonrpc", "xmlrpc"):
            raise ValueError(f'protocol must be "jsonrpc" or "xmlrpc", not "{self.protocol}"')
        if self.timeout <= 0:
            raise ValueError(f"timeout must be positive seconds, not {self.timeout}")


@dataclass(frozen=True, slots=True)
class OdooVersion:
    """What ``common.version`` says: ``serie`` like ``"17.0"`` and ``major`` like 17."""

    server_version: str
    serie: str
    major: int
    info: tuple[object, ...]
    protocol_version: int

    @classmethod
    def from_answer(cls, answer: object, url: str) -> OdooVersion:
        """Reads Odoo's answer, deriving ``major`` from ``server_version_info[0]`` or the serie."""
        if not isinstance(answer, dict):
            raise OdooProtocolError(f"Odoo at {url} answered common.version without a version.")
        raw_info = answer.get("server_version_info")
        info = tuple(raw_info) if isinstance(raw_info, list | tuple) else ()
        serie = str(answer.get("server_serie") or "")
        server_version = str(answer.get("server_version") or serie)
        major: int | None = info[0] if info and isinstance(info[0], int) else None
        if major is None:
            found = re.search(r"(\d+)", serie or server_version)
            major = int(found.group(1)) if found else None
        if major is None:
            raise OdooProtocolError(
                f"Odoo at {url} answered common.version without a version number."
            )
        protocol = answer.get("protocol_version")
        return cls(
            server_version=server_version,
            serie=serie or f"{major}.0",
            major=major,
            info=info,
            protocol_version=protocol if isinstance(protocol, int) else 1,
        )


def display_url(url: str) -> str:
    """``url`` checked for a scheme and host, without any user:password part, for messages."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise OdooProtocolError(
            f'"{url}" is not a usable Odoo URL: it needs http:// or https:// and a host, '
            "e.g. http://odoo.example.com:8069."
        )
    if parsed.userinfo:
        parsed = parsed.copy_with(username=None, password=None)
    return str(parsed).rstrip("/")


class _Rpc:
    """Sends calls through a transport, retrying passing failures as the policy allows."""

    def __init__(self, connection: OdooConnection, transport: Transport, url: str) -> None:
        self.connection = connection
        self.transport = transport
        self.url = url
        self.in_flight = threading.BoundedSemaphore(MAX_IN_FLIGHT)

    def context(
        self, target: str, model: str | None = None, fields: Sequence[str] = ()
    ) -> CallContext:
        conn = self.connection
        return CallContext(
            url=self.url,
            db=conn.db,
            login=conn.login,
            target=target,
            model=model,
            fields=tuple(fields),
            secret=conn.api_key,
        )

    def call(
        self,
        service: str,
        method: str,
        args: Sequence[object],
        ctx: CallContext,
        *,
        repeatable: bool,
    ) -> Any:
        policy = self.connection.retry
        started = time.monotonic()
        tries = 0
        while True:
            tries += 1
            try:
                with self.in_flight:
                    return self.transport.call(service, method, args)
            except ServerFault as fault:
                outcome = error_for_fault(fault, ctx)
                if isinstance(outcome, OdooError):
                    raise outcome from None
                failure = outcome
            except TransientFailure as exc:
                failure = exc
            wait = policy.wait_before(tries)
            self._give_up_unless_retrying(failure, ctx, tries, started, wait, repeatable)
            log.debug(
                "odoo %s failed (%s); retry %d in %.2f s", ctx.target, failure.cause, tries, wait
            )
            time.sleep(wait)

    def _give_up_unless_retrying(
        self,
        failure: TransientFailure,
        ctx: CallContext,
        tries: int,
        started: float,
        wait: float,
        repeatable: bool,
    ) -> None:
        if failure.may_have_run and not repeatable:
            raise OdooUnavailable(
                f"Odoo at {self.url} lost the answer to {ctx.target} ({failure.cause}); it may "
                "or may not have been carried out, so it was not sent again: check in Odoo "
                "before trying again.",
                tries=tries,
                cause=failure.cause,
            )
        elapsed = time.monotonic() - started
        if elapsed + wait > self.connection.retry.give_up_after:
            noun = "try" if tries == 1 else "tries"
            raise OdooUnavailable(
                f"Odoo at {self.url} did not answer after {tries} {noun} over "
                f"{_seconds(elapsed)} s ({failure.cause}); giving up.",
                tries=tries,
                cause=failure.cause,
            )


def _seconds(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def _to_wire(value: object) -> object:
    """Values both protocols can carry: Odoo's naive-UTC strings for dates, lists for tuples."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, list | tuple):
        return [_to_wire(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _to_wire(item) for key, item in value.items()}
    return value


def _field_list(fields: Sequence[str]) -> list[str]:
    """Reading every field is slow (non-stored computes), so callers always name them."""
    if isinstance(fields, str) or not fields:
        raise ValueError("name the fields to read: a non-empty list of field names")
    return list(fields)


class OdooClient:
    """A logged-in connection to one Odoo database; build it with :meth:`connect`."""

    def __init__(self, rpc: _Rpc, version: OdooVersion, uid: int) -> None:
        self._rpc = rpc
        self.connection = rpc.connection
        self.version = version
        self.uid = uid

    @classmethod
    def connect(cls, connection: OdooConnection) -> OdooClient:
        """Asks ``common.version`` and logs in, both at once (neither needs the other's
        answer); a refused login raises :class:`OdooAuthError`, after any error of the
        version's (a URL that is no Odoo says so rather than "bad credentials")."""
        url = display_url(connection.url)
        http = make_http_client(connection.timeout, pool_size=MAX_IN_FLIGHT)
        kind = JsonRpcTransport if connection.protocol == "jsonrpc" else XmlRpcTransport
        rpc = _Rpc(connection, kind(http, connection.url, url), url)
        login = [connection.db, connection.login, connection.api_key, {}]
        ctx = rpc.context("common.authenticate")
        try:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="odoo-login") as pool:
                logged_in = pool.submit(
                    rpc.call, "common", "authenticate", login, ctx, repeatable=True
                )
                answer = rpc.call(
                    "common", "version", [], rpc.context("common.version"), repeatable=True
                )
                version = OdooVersion.from_answer(answer, url)
                uid = logged_in.result()
        except BaseException:
            http.close()
            raise
        if uid is False or uid is None:
            http.close()
            raise error_for_fault(ServerFault("odoo.exceptions.AccessDenied", ""), ctx) from None
        if not isinstance(uid, int) or isinstance(uid, bool):
            http.close()
            raise OdooProtocolError(
                f"Odoo at {url} answered common.authenticate without a user id."
            )
        log.debug("odoo %s %s: logged in as uid %d", url, version.serie, uid)
        return cls(rpc, version, uid)

    def close(self) -> None:
        """Releases the HTTP connections; the client cannot be used afterwards."""
        self._rpc.transport.close()

    def __enter__(self) -> OdooClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def execute_kw(
        self,
        model: str,
        method: str,
        args: Sequence[object],
        kw: Mapping[str, object] | None = None,
    ) -> Any:
        """``model.method(*args, **kw)`` in Odoo, as one transaction; returns Odoo's result.

        Reads are retried through any passing failure; other methods only when Odoo surely
        did not run them, so a lost answer to a write raises :class:`OdooUnavailable`.
        """
        conn = self.connection
        keywords = dict(kw or {})
        asked = keywords.get("fields")
        fields = [f for f in asked if isinstance(f, str)] if isinstance(asked, list) else []
        params = [conn.db, self.uid, conn.api_key, model, method, _to_wire(list(args))]
        params.append(_to_wire(keywords))
        ctx = self._rpc.context(f"{model}.{method}", model, fields)
        repeatable = method in _READ_METHODS
        return self._rpc.call("object", "execute_kw", params, ctx, repeatable=repeatable)

    def search_read(
        self,
        model: str,
        domain: Domain,
        fields: Sequence[str],
        *,
        order: str = "id asc",
        limit: int | None = None,
        offset: int = 0,
        context: Mapping[str, object] | None = None,
    ) -> list[dict[str, Any]]:
        """Rows matching ``domain``, with ``fields`` (and ``id``), in a stable ``order``."""
        kw: dict[str, object] = {"fields": _field_list(fields), "order": order, "offset": offset}
        if limit is not None:
            kw["limit"] = limit
        if context is not None:
            kw["context"] = dict(context)
        return self._rows(self.execute_kw(model, "search_read", [list(domain)], kw), model)

    def search_count(
        self, model: str, domain: Domain, context: Mapping[str, object] | None = None
    ) -> int:
        """How many records match ``domain``."""
        kw = {"context": dict(context)} if context is not None else {}
        count = self.execute_kw(model, "search_count", [list(domain)], kw)
        if not isinstance(count, int) or isinstance(count, bool):
            raise self._unexpected(model, "search_count", "a count")
        return count

    def search_ids(
        self, model: str, domain: Domain, context: Mapping[str, object] | None = None
    ) -> list[int]:
        """The ids of every record matching ``domain``, ascending."""
        kw: dict[str, object] = {"order": "id asc"}
        if context is not None:
            kw["context"] = dict(context)
        ids = self.execute_kw(model, "search", [list(domain)], kw)
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise self._unexpected(model, "search", "a list of ids")
        return ids

    def read(
        self,
        model: str,
        ids: Sequence[int],
        fields: Sequence[str],
        context: Mapping[str, object] | None = None,
    ) -> list[dict[str, Any]]:
        """The records ``ids`` with ``fields``; a deleted one raises :class:`OdooMissingRecord`."""
        kw: dict[str, object] = {"fields": _field_list(fields)}
        if not ids:
            return []
        if context is not None:
            kw["context"] = dict(context)
        return self._rows(self.execute_kw(model, "read", [list(ids)], kw), model)

    def fields_get(
        self, model: str, attributes: Sequence[str] = DEFAULT_ATTRIBUTES
    ) -> dict[str, dict[str, Any]]:
        """The model's fields as this database has them, each with the asked ``attributes``."""
        answer = self.execute_kw(model, "fields_get", [], {"attributes": list(attributes)})
        if not isinstance(answer, dict):
            raise self._unexpected(model, "fields_get", "a mapping of fields")
        return answer

    def pages(
        self,
        model: str,
        domain: Domain,
        fields: Sequence[str],
        *,
        page_size: int = 2000,
        context: Mapping[str, object] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Every matching row, a page at a time, by id: each page asks for ids above the last.

        Unlike OFFSET paging this neither skips nor repeats rows while others change, and
        stays fast deep into a table. Stops after the first page shorter than ``page_size``.
        """
        names = _field_list(fields)
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, not {page_size}")
        return self._pages(model, list(domain), names, page_size, context)

    def _pages(
        self,
        model: str,
        domain: list[str | Sequence[object]],
        fields: list[str],
        page_size: int,
        context: Mapping[str, object] | None,
    ) -> Iterator[list[dict[str, Any]]]:
        after: int | None = None
        while True:
            page_domain = domain if after is None else [*domain, ("id", ">", after)]
            rows = self.search_read(
                model, page_domain, fields, order="id asc", limit=page_size, context=context
            )
            if rows:
                yield rows
            if len(rows) < page_size:
                return
            after = max(int(row["id"]) for row in rows)

    def _rows(self, answer: object, model: str) -> list[dict[str, Any]]:
        if not isinstance(answer, list) or not all(isinstance(row, dict) for row in answer):
            raise self._unexpected(model, "search_read/read", "a list of records")
        return answer

    def _unexpected(self, model: str, method: str, wanted: str) -> OdooProtocolError:
        return OdooProtocolError(
            f"Odoo at {self._rpc.url} answered {model}.{method} with something other than {wanted}."
        )
