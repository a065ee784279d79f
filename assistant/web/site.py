"""The chat page at / (files from web/, index.html a template it shares with /embed), the API page at /docs
and the security headers on every response.

The headers are a few constant lines, so no library (flask-talisman) is used: its
defaults force HTTPS and HSTS, which a server on 127.0.0.1 must not send.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("site", __name__)



def content_security_policy(frame_ancestors: str = "'self'") -> str:
    """Return the pages' policy: scripts, styles and requests only from this server, nothing inline, nothing from
    another host; framed only by `frame_ancestors` (/embed names the websites allowed to embed the chat)."""
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ])


# The API page's Swagger UI shows its icons as data: images (from its style sheet); its scripts and styles
# still come from this server only. Every other page keeps the policy above.
DOCS_CONTENT_SECURITY_POLICY = content_security_policy().replace("img-src 'self'", "img-src 'self' data:")


SECURITY_HEADERS = {
    "Content-Security-Policy": content_security_policy(),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",  # frame-ancestors for browsers that predate CSP 2
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@bp.get("/")
def chat_page():
    """Serve the chat page."""
    return render_template("index.html", embedded=False)


@bp.get("/docs")
def api_page():
    """Serve the API page: Swagger UI over /openapi.json, where each endpoint can be tried."""
    response = current_app.send_static_file("docs.html")
    response.headers["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
    return response


@bp.after_app_request
def security_headers(response):
    """Add the security headers to every response, API and static files included."""
    own_frame_policy = "Content-Security-Policy" in response.headers  # /embed: X-Frame-Options would contradict it
    for name, value in SECURITY_HEADERS.items():
        if not (own_frame_policy and name == "X-Frame-Options"):
            response.headers.setdefault(name, value)
    return response
