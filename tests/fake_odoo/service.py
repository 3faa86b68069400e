"""The ``common`` and ``object`` services: authentication and ``execute_kw`` dispatch.

Mirrors ``odoo/service/common.py`` and ``odoo/service/model.py``: credentials are checked
on every ``object`` call, private method names are refused, an unknown model is a
UserError, and ORM methods are bound by Odoo's own signatures (so a wrong argument is the
same TypeError a real server reports).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import AccessDenied, AccessError, SerializationFailure, UserError
from .store import Store

if TYPE_CHECKING:
    pass

VERSION_INFO: dict[str, list[Any]] = {
    "17.0": [17, 0, 0, "final", 0, ""],
    "18.0": [18, 0, 0, "final", 0, ""],
    "19.0": [19, 0, 0, "final", 0, ""],
}

_MISSING = object()


def version_payload(version: str) -> dict[str, Any]:
    """``common.version``: ``RPC_VERSION_1``."""
    return {
        "server_version": version,
        "server_version_info": list(VERSION_INFO[version]),
        "server_serie": version,
        "protocol_version": 1,
    }


def bind(
    name: str,
    params: list[tuple[str, Any]],
    args: list[Any],
    kw: dict[str, Any],
    extra_kw: bool = False,
) -> dict[str, Any]:
    """Bind positional and keyword arguments like Python would, with its TypeErrors."""
    if len(args) > len(params):
        raise TypeError(
            f"{name}() takes {len(params) + 1} positional arguments but {len(args) + 1} were given"
        )
    bound: dict[str, Any] = {}
    for (pname, _), value in zip(params, args, strict=False):
        bound[pname] = value
    names = {p for p, _ in params}
    for key, value in kw.items():
        if key in bound:
            raise TypeError(f"{name}() got multiple values for argument '{key}'")
        if key not in names and not extra_kw:
            raise TypeError(f"{name}() got an unexpected keyword argument '{key}'")
        bound[key] = value
    for pname, pdefault in params:
        if pname not in bound:
            if pdefault is _MISSING:
                raise TypeError(f"{name}() missing 1 required positional argument: '{pname}'")
            bound[pname] = pdefault
    return bound


def _ids(value: Any) -> list[int]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int):
        return [value]
    return [int(v) for v in value]


class Services:
    """Dispatch of ``common``, ``db`` and ``object`` calls against one Store."""

    def __init__(self, store: Store, db: str) -> None:
        self.store = store
        self.db = db

    # -------------------------------------------------------------- authentication

    def authenticate_user(self, db: Any, login: Any, password: Any) -> int | None:
        """The uid for a login and a password or API key, or None."""
        if db != self.db:
            raise AccessDenied()
        for user in self.store.rows("res.users"):
            if user.get("login") == login and user.get("active"):
                return user["id"] if self._password_ok(user["id"], password) else None
        return None

    def _password_ok(self, uid: int, password: Any) -> bool:
        stored, keys = self.store.credentials.get(uid, (None, set()))
        return (
            isinstance(password, str)
            and bool(password)
            and (password == stored or password in keys)
        )

    def check(self, db: Any, uid: Any, password: Any) -> int:
        """``security.check``: every object call carries db, uid and password."""
        if db != self.db:
            raise AccessDenied()
        user_id = int(uid)
        user = self.store.tables["res.users"].get(user_id)
        if user is None or not user.get("active") or not self._password_ok(user_id, password):
            raise AccessDenied()
        return user_id

    # -------------------------------------------------------------- dispatch

    def dispatch(self, service: str, method: str, args: list[Any]) -> Any:
        """``dispatch_rpc(service, method, args)``."""
        with self.store.lock:
            if service == "common":
                return self._common(method, args)
            if service == "db":
                return self._db(method, args)
            if service == "object":
                return self._object(method, args)
            raise KeyError(service)

    def _common(self, method: str, args: list[Any]) -> Any:
        if method == "version":
            bind("version", [], args, {})
            return version_payload(self.store.version)
        if method == "about":
            bound = bind("about", [("extended", False)], args, {})
            info = "See http://openerp.com"
            return [info, self.store.version] if bound["extended"] else info
        if method == "login":
            b = bind(
                "login", [("db", _MISSING), ("login", _MISSING), ("password", _MISSING)], args, {}
            )
            uid = self.authenticate_user(b["db"], b["login"], b["password"])
            return uid if uid is not None else False
        if method == "authenticate":
            params = [
                ("db", _MISSING),
                ("login", _MISSING),
                ("password", _MISSING),
                ("user_agent_env", _MISSING),
            ]
            b = bind("authenticate", params, args, {})
            uid = self.authenticate_user(b["db"], b["login"], b["password"])
            if uid is None:
                raise AccessDenied()
            return uid
        raise Exception(f"Method not found: {method}")

    def _db(self, method: str, args: list[Any]) -> Any:
        if method == "list":
            bind("list", [("document", False)], args, {})
            return [self.db]
        if method == "server_version":
            return self.store.version
        raise Exception(f"Method not found: {method}")

    def _object(self, method: str, args: list[Any]) -> Any:
        if method not in ("execute", "execute_kw"):
            raise NameError(f"Method not available {method}")
        if len(args) < 3:
            raise TypeError(f"{method}() missing required positional arguments")
        db, uid, password, *rest = args
        uid = self.check(db, uid, password)
        if method == "execute_kw":
            b = bind(
                "execute_kw",
                [("obj", _MISSING), ("method", _MISSING), ("args", _MISSING), ("kw", None)],
                rest,
                {},
            )
            return self.execute(
                uid, b["obj"], b["method"], list(b["args"] or []), dict(b["kw"] or {})
            )
        if len(rest) < 2:
            raise TypeError("execute() missing required positional arguments: 'obj' and 'method'")
        return self.execute(uid, rest[0], rest[1], list(rest[2:]), {})

    def execute(
        self, uid: int, model: str, method: str, args: list[Any], kw: dict[str, Any]
    ) -> Any:
        """``execute_kw`` after authentication: name checks, model lookup, ORM call."""
        if not isinstance(method, str) or method.startswith("_"):
            raise AccessError(f"Private methods (such as '{method}') cannot be called remotely.")
        if not isinstance(model, str) or not self.store.has_model(model):
            raise UserError(f"Object {model} doesn't exist")
        handler = self._handler(model, method)
        context = kw.pop("context", None) or {}
        with self.store.as_user(uid, context):
            return handler(model, args, kw)

    def _handler(self, model: str, method: str) -> Callable[[str, list[Any], dict[str, Any]], Any]:
        spec = self.store.spec(model)
        handler = ORM_METHODS.get(method)
        if method in MAIL_THREAD_METHODS and not spec.mail_thread:
            handler = None
        if method in ACTIVITY_METHODS and model != "mail.activity":
            handler = None
        if method in ORDER_METHODS and model != "sale.order":
            handler = None
        if handler is None:
            raise AttributeError(f"The method '{method}' does not exist on the model '{model}'")
        return lambda m, a, k: handler(self.store, m, a, k)


def fail_serialization() -> None:
    """What PostgreSQL answers a transaction that lost a concurrent update."""
    raise SerializationFailure("could not serialize access due to concurrent update")


# ------------------------------------------------------------------ ORM methods


OrmMethod = Callable[[Store, str, list[Any], dict[str, Any]], Any]


def _search_read(store: Store, model: str, args: list[Any], kw: dict[str, Any]) -> Any:
    params = [("domain", None), ("fields", None), ("offset", 0), ("limit", None), ("order", None)]
    b = bind("search_read", params, args, kw, extra_kw=True)
    ids = store.search(
        model, b["domain"] or [], b["offset"] or 0, b["limit"] or None, b["order"] or None
    )
    if not ids:
        return []
    return store.read(model, ids, b["fields"] or None)


def _search(store: Store, model: str, args: list[Any], kw: dict[str, Any]) -> Any:
    b = bind(
        "search", [("domain", _MISSING), ("offset", 0), ("limit", None), ("order", None)], args, kw
    )
    return store.search(
        model, b["domain"] or [], b["offset"] or 0, b["limit"] or None, b["order"] or None
    )


def _search_count(store: Store, model: str, args: list[Any], kw: dict[str, Any]) -> Any:
    b = bind("search_count", [("domain", _MISSING), ("limit", None)], args, kw)
    return len(store.search(model, b["domain"] or [], 0, b["limit"] or None, "id"))


def _record_ids(args: list[Any]) -> tuple[list[int], list[Any]]:
    if not args:
        raise IndexError("list index out of range")
    return _ids(args[0]), list(args[1:])


def _read(store: Store, model: str, args: list[Any], kw: dict[str, Any]) -> Any:
    ids, rest = _record_ids(args)
    b = bind("read", [("fields", None), ("load", "_classic_read")], rest, kw)
    return store.read(model, ids, b["fields"] or None)


def _fields_get(store: Store, model: str, args: list[Any], kw: dict[str, Any]) -> Any:
    b = bind("fields_get", [("allfields", None), ("attributes", None)], args, kw)
    return store.fields_get(model, b["allfields"] or None, b["attributes"] or None)


def _create(store: Store, model: str, args: list[Any], kw: dict[str, Any]) -> Any:
    b = bind("create", [("vals_list", _MISSING)], args, kw)
    vals = b["vals_list"]
    if isinstance(vals, dict):
        return store.create(model, [_strip_log(vals)])[0]
    if not isinstance(vals, list) or not all(isinstance(v, dict) for v in vals):
        raise ValueError("create() expects a dict of values or a list of dicts")
    return store.create(model, [_strip_log(v) for v in vals])


def _strip_log(vals: dict[str, Any]) -> dict[str, Any]:
    """Odoo ignores the log columns (create_date, write_date ...) in client values."""
    return {
        k: v
        for k, v in vals.items()
        if k not in ("id", "create_date", "write_date", "create_uid", "write_uid")
    }


def _write(store: Store, model: str, args: list[Any], kw: dict[str, Any]) -> Any:
    ids, rest = _record_ids(args)
    b = bind("write", [("vals", _MISSING)], rest, kw)
    store.write(model, ids, _strip_log(dict(b["vals"])))
    return True


def _unlink(store: Store, model: str, args: list[Any], kw: dict[str, Any]) -> Any:
    ids, rest = _record_ids(args)
    bind("unlink", [], rest, kw)
    store.unlink(model, ids)
    return True


def _name_search(store: Store, model: str, args: list[Any], kw: dict[str, Any]) -> Any:
    params = [("name", ""), ("domain", None), ("operator", "ilike"), ("limit", 100)]
    b = bind("name_search", params, args, kw)
    ids = store.search(model, b["domain"] or [], 0, None, None)
    if b["name"]:
        matching = store.name_ids(model, b["operator"], b["name"])
        ids = [i for i in ids if i in matching]
    ids = ids[: b["limit"] or None]
    return [[i, store.display_name(model, i)] for i in ids]


def _check_access_rights(store: Store, model: str, args: list[Any], kw: dict[str, Any]) -> Any:
    b = bind("check_access_rights", [("operation", _MISSING), ("raise_exception", True)], args, kw)
    try:
        store.check_model_access(model, b["operation"])
    except AccessError:
        if b["raise_exception"]:
            raise
        return False
    return True


def _singleton(model: str, ids: list[int]) -> int:
    if len(ids) != 1:
        raise ValueError(f"Expected singleton: {model}({', '.join(str(i) for i in ids)},)")
    return ids[0]


def post_message(
    store: Store,
    model: str,
    res_id: int,
    body: str,
    message_type: str,
    subtype_xmlid: str | None,
    subject: Any = False,
) -> int:
    """Store a ``mail.message`` on a document, as ``message_post`` does."""
    subtype: Any = False
    if subtype_xmlid:
        try:
            subtype = store.ref(subtype_xmlid)
        except KeyError:
            raise ValueError(f"External ID not found in the system: {subtype_xmlid}") from None
    with store.sudo():
        (mid,) = store.create(
            "mail.message",
            [
                {
                    "model": model,
                    "res_id": res_id,
                    "body": body,
                    "message_type": message_type,
                    "subtype_id": subtype,
                    "subject": subject,
                }
            ],
        )
    return mid


def _message_post(store: Store, model: str, args: list[Any], kw: dict[str, Any]) -> Any:
    ids, rest = _record_ids(args)
    if rest:
        raise TypeError(
            f"message_post() takes 1 positional argument but {len(rest) + 1} were given"
        )
    params = [
        ("body", ""),
        ("subject", None),
        ("message_type", "notification"),
        ("subtype_xmlid", None),
    ]
    b = bind("message_post", params, [], kw, extra_kw=True)
    res_id = _singleton(model, ids)
    store.check_model_access(model, "write")
    store.row(model, res_id)
    return post_message(
        store,
        model,
        res_id,
        b["body"] or "",
        b["message_type"],
        b["subtype_xmlid"],
        b["subject"] or False,
    )


def finish_activities(store: Store, ids: list[int], feedback: Any) -> Any:
    """``mail.activity._action_done``: post the done message, then delete the activity."""
    store.check_model_access("mail.activity", "write")
    messages = []
    for aid in ids:
        row = store.row("mail.activity", aid)
        document = store.value("mail.activity", row, "res_model")
        type_row = store.tables["mail.activity.type"].get(row.get("activity_type_id") or 0)
        type_name = html.escape(str((type_row or {}).get("name") or "Activity"))
        body = f'<div><p class="o_mail_activity_done">{type_name} done</p>'
        if row.get("summary"):
            body += f"<p>{html.escape(str(row['summary']))}</p>"
        if feedback:
            body += f"<p>Feedback: {html.escape(str(feedback))}</p>"
        body += "</div>"
        messages.append(
            post_message(
                store,
                document,
                int(row.get("res_id") or 0),
                body,
                "notification",
                "mail.mt_activities",
            )
        )
        with store.sudo():
            store.unlink("mail.activity", [aid])
    return messages[0] if messages else False


def _action_feedback(store: Store, _model: str, args: list[Any], kw: dict[str, Any]) -> Any:
    ids, rest = _record_ids(args)
    b = bind("action_feedback", [("feedback", False), ("attachment_ids", None)], rest, kw)
    return finish_activities(store, ids, b["feedback"])


def _action_done(store: Store, _model: str, args: list[Any], kw: dict[str, Any]) -> Any:
    ids, rest = _record_ids(args)
    bind("action_done", [], rest, kw)
    return finish_activities(store, ids, False)


def _lock(locked: bool) -> OrmMethod:
    """sale.order ``action_lock`` / ``action_unlock``: they return None, as in Odoo 17."""

    def method(store: Store, model: str, args: list[Any], kw: dict[str, Any]) -> Any:
        ids, rest = _record_ids(args)
        bind("action_lock" if locked else "action_unlock", [], rest, kw)
        store.write(model, ids, {"locked": locked})
        return None

    return method


ORM_METHODS: dict[str, OrmMethod] = {
    "search_read": _search_read,
    "search": _search,
    "search_count": _search_count,
    "read": _read,
    "fields_get": _fields_get,
    "create": _create,
    "write": _write,
    "unlink": _unlink,
    "name_search": _name_search,
    "check_access_rights": _check_access_rights,
    "message_post": _message_post,
    "action_feedback": _action_feedback,
    "action_done": _action_done,
    "action_lock": _lock(True),
    "action_unlock": _lock(False),
}
MAIL_THREAD_METHODS = frozenset({"message_post"})
ACTIVITY_METHODS = frozenset({"action_feedback", "action_done"})
ORDER_METHODS = frozenset({"action_lock", "action_unlock"})
