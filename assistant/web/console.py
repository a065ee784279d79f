"""The owner's console at /admin: its page, sign-in and sign-out, and the session the admin API accepts.

Switched off (404) unless ASSISTANT_ADMIN_TOKEN is set. Signing in POSTs the token as JSON to
/api/console/sign-in; the answer sets a session cookie (Flask's signed session: HttpOnly, SameSite=Strict,
Secure when the request came over https) holding a fingerprint of the token and a CSRF token, never the
token itself (the cookie is signed, not encrypted). The admin API then takes either the bearer token or
that cookie; with the cookie, a request that changes anything must also carry an Origin header of this
server and the X-CSRF-Token header that GET /api/console/sign-in gives the page. Wrong tokens count
against the admin API's own counter of wrong tokens (admin.py), so sign-in cannot be used to guess faster.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, jsonify, request, session
from flask.sessions import SecureCookieSessionInterface
from pydantic import BaseModel, Field
from werkzeug.exceptions import Forbidden, NotFound, Unauthorized

from .contract import Api, Body
from .models import Error

bp = Blueprint("console", __name__)
console_api = Api(bp, Error, "console", errors={404: "The console is off (no ASSISTANT_ADMIN_TOKEN)."})
PAGE_FILES = ("console.html", "console.js", "console.css")
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_HOURS = 8  # a console left signed in on a shared computer signs itself out by the next day


class SignIn(Body):
    """The admin token, sent once to sign in."""

    example = '{"token": "<the admin token>"}'
    token: str = Field(pattern=r"\S", description="The server's ASSISTANT_ADMIN_TOKEN.")


class SessionState(BaseModel):
    """Whether this browser is signed in to the console, and its CSRF token."""

    signed_in: bool
    csrf_token: str | None = Field(default=None, description="Send as X-CSRF-Token with every change.")


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, Secure whenever the request came over https (or SESSION_COOKIE_SECURE)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_app(app: Flask) -> None:
    """Register the console and make the session cookie what it needs to be.

    The signing key is ASSISTANT_SECRET_KEY when set (the same on every server behind one address), else
    random per process: restarting the server then signs the owner out.
    """
    app.secret_key = app.config.get("SECRET_KEY") or secrets.token_bytes(32)
    app.config.update(SESSION_COOKIE_NAME="assistant_console", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Strict",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS))
    app.session_interface = ConsoleSessionInterface()
    app.register_blueprint(bp)


def admin_token() -> str:
    """Return the admin token, or raise NotFound: without one the console does not exist."""
    token = str(current_app.config.get("ADMIN_TOKEN") or "")
    if not token:
        raise NotFound()
    return token


def fingerprint(token: str) -> str:
    """Return what the session keeps of the token: a keyed hash, so a new token signs every session out."""
    return hmac.new(current_app.secret_key if isinstance(current_app.secret_key, bytes)
                    else str(current_app.secret_key).encode(), token.encode(), hashlib.sha256).hexdigest()


@bp.get("/admin")
@bp.get("/admin/")
def page():
    """Serve the console's page (404 while the admin token is unset)."""
    admin_token()
    response = current_app.send_static_file("console.html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.before_app_request
def hide_page_files():
    """Answer 404 for the console's files under /static/ while the console is off."""
    if request.path.removeprefix("/static/") in PAGE_FILES and not current_app.config.get("ADMIN_TOKEN"):
        raise NotFound()


def console_on() -> None:
    """Raise NotFound while the console is off (before the request's body is read)."""
    admin_token()


@console_api.route("POST", "/api/console/sign-in", "Sign in to the console: sets an HttpOnly, SameSite=Strict "
                   "session cookie", body=SignIn, response=SessionState, first=console_on, errors={
                       401: "Not the admin token.", 403: "The Origin header names another site.",
                       429: "Too many wrong tokens from this address."})
def sign_in(body: SignIn):
    """Sign in with {"token": "..."}: set the session cookie and return the CSRF token."""
    token = admin_token()
    check_origin()
    failures, client = current_app.extensions["admin_failures"], request.remote_addr or ""
    failures.check(client)
    given = body.token
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        failures.count(client)
        raise Unauthorized("that is not the admin token; it is the server's ASSISTANT_ADMIN_TOKEN")
    session.clear()
    session.permanent = True
    session["admin"] = fingerprint(token)
    session["csrf"] = secrets.token_urlsafe(32)
    return jsonify(signed_in=True, csrf_token=session["csrf"])


@console_api.route("GET", "/api/console/sign-in", "Tell whether this browser is signed in to the console",
                   response=SessionState)
def whoami():
    """Tell whether this browser is signed in; if so, give the CSRF token the page sends with its changes."""
    admin_token()
    if not signed_in():
        return jsonify(signed_in=False)
    return jsonify(signed_in=True, csrf_token=session["csrf"])


@console_api.route("DELETE", "/api/console/sign-in", "Sign out of the console (X-CSRF-Token needed)",
                   response=SessionState, errors={403: "The CSRF token or Origin is missing or wrong."})
def sign_out():
    """Sign out: forget the session (needs the CSRF token, as every change does)."""
    admin_token()
    if signed_in():
        check_change_allowed()
    session.clear()
    return jsonify(signed_in=False)


def signed_in() -> bool:
    """Tell whether the request carries a console session made with the current admin token."""
    token = str(current_app.config.get("ADMIN_TOKEN") or "")
    kept = session.get("admin")
    return bool(token and isinstance(kept, str) and hmac.compare_digest(kept, fingerprint(token)))


def session_allows() -> bool:
    """Tell whether a console session signs this admin API request in.

    Raises Forbidden when the session is there but a change comes without this server's Origin or the
    session's CSRF token: what a page on another site would send.
    """
    if not signed_in():
        return False
    if request.method not in SAFE_METHODS:
        check_change_allowed()
    return True


def check_change_allowed() -> None:
    """Refuse a change whose Origin is not this server or whose X-CSRF-Token is not the session's."""
    check_origin(required=True)
    sent, kept = request.headers.get(CSRF_HEADER, ""), session.get("csrf", "")
    if not (sent and isinstance(kept, str) and hmac.compare_digest(sent.encode(), kept.encode())):
        raise Forbidden(f"the console's changes need the {CSRF_HEADER} header of this session; reload the console")


def check_origin(required: bool = False) -> None:
    """Refuse a request whose Origin header names another site (or, if required, that has none)."""
    origin = request.headers.get("Origin")
    if origin is None and not required:
        return
    allowed = {origin_of(request.host_url)}
    if current_app.config.get("PUBLIC_URL"):
        allowed.add(origin_of(str(current_app.config["PUBLIC_URL"])))
    if origin is None or origin_of(origin) not in allowed:
        raise Forbidden("this request came from another site's page; use the console on this server")


def origin_of(url: str) -> str:
    """Return a URL's origin, scheme://host[:port], lowercased."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()
