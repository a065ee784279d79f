"""The chat on other websites: /widget.js (the launcher a site pastes in) and /embed (the chat it frames).

The chat runs in an iframe of /embed from this server, so the host page's CSS cannot reach it and ours cannot
leak out. /embed is framed only by the origins in EMBED_ORIGINS (CSP frame-ancestors); any other site, and every
site when none is set, is sent to /embed/refused, a page that only says the assistant is not allowed there.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, make_response, redirect, render_template, request, url_for

from ..errors import BadSetting
from .site import content_security_policy

bp = Blueprint("widget", __name__)
EXAMPLE_ORIGINS = "https://clinic.example https://www.clinic.example"


def init_app(app: Flask) -> None:
    """Register /widget.js and /embed, with the origins allowed to embed the chat.

    Raises BadSetting when EMBED_ORIGINS is not a list of origins.
    """
    app.extensions["embed_origins"] = embed_origins(app.config["EMBED_ORIGINS"])
    app.register_blueprint(bp)


def embed_origins(value) -> tuple[str, ...]:
    """Return the origins in a setting of them (a string with spaces or commas between them, or a list), normalised.

    Raises BadSetting when one is not scheme://host[:port] with http or https.
    """
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, (list, tuple)):
        raise BadSetting(f"EMBED_ORIGINS must be website origins separated by spaces, like '{EXAMPLE_ORIGINS}', "
                         f"not {value!r} (ASSISTANT_EMBED_ORIGINS)")
    return tuple(dict.fromkeys(origin(item) for item in value))


def origin(text) -> str:
    """Return an origin as browsers write it (lower case, no trailing slash); raises BadSetting if it is not one."""
    parts = urlsplit(str(text).strip().removesuffix("/"))
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # a port that is not a number from 0 to 65535
        port_ok = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok or parts.username \
            or parts.password or parts.path or parts.query or parts.fragment or "*" in parts.netloc:
        raise BadSetting(f"EMBED_ORIGINS: {text!r} is not a website origin; write each as scheme://host[:port], "
                         f"separated by spaces, like '{EXAMPLE_ORIGINS}' (ASSISTANT_EMBED_ORIGINS)")
    return f"{parts.scheme}://{parts.netloc.lower()}"


@bp.get("/widget.js")
def widget_script():
    """Serve the launcher script that a website includes with one <script> tag."""
    response = current_app.send_static_file("widget.js")
    # A host page that requires cross-origin resources to opt in (Cross-Origin-Embedder-Policy) may still load it.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/embed")
def embed_page():
    """Serve the chat, framed only by the allowed websites; send a website that says it is not one to the refusal.

    The origin comes from widget.js and is only a hint: frame-ancestors makes the browser check the real one.
    """
    allowed = current_app.extensions["embed_origins"]
    origin = request.args.get("origin")
    if origin is not None and origin not in allowed:
        return redirect(url_for("widget.refusal_page", origin=origin), 303)
    response = make_response(render_template("index.html", embedded=True))
    response.headers["Content-Security-Policy"] = content_security_policy(" ".join(allowed) or "'self'")
    return response


@bp.get("/embed/refused")
def refusal_page():
    """Serve the page that says the assistant is not allowed on the website: text only, no chat, no API."""
    response = current_app.send_static_file("embed-refused.html")
    # Any site may frame it, so that its panel can say why there is no chat.
    response.headers["Content-Security-Policy"] = content_security_policy("*")
    return response
