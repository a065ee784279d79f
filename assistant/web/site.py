"""The chat page at / (files from web/) and the security headers on every response.

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


@bp.after_app_request
def security_headers(response):
    """Add the security headers to every response, API and static files included."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
