"""The chat page at /, the API page at /docs (files from web/) and the security headers on every response.

The headers are a few constant lines, so no library (flask-talisman) is used: its
defaults force HTTPS and HSTS, which a server on 127.0.0.1 must not send.
"""
from __future__ import annotations

from flask import Blueprint, current_app

bp = Blueprint("site", __name__)

# Scripts, styles and requests only from this server: nothing inline, nothing from another host.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
])
# The API page's Swagger UI shows its icons as data: images (from its style sheet); its scripts and styles
# still come from this server only. Every other page keeps the policy above.
DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("img-src 'self'", "img-src 'self' data:")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",  # frame-ancestors for browsers that predate CSP 2
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@bp.get("/")
def chat_page():
    """Serve the chat page."""
    return current_app.send_static_file("index.html")


@bp.get("/docs")
def api_page():
    """Serve the API page: Swagger UI over /openapi.json, where each endpoint can be tried."""
    response = current_app.send_static_file("docs.html")
    response.headers["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
    return response


@bp.after_app_request
def security_headers(response):
    """Add the security headers to every response, API and static files included."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
