"""Users, API tokens and the helpers that tell who is calling.

A caller is identified either by an ``Authorization: Bearer TOKEN`` header
(REST clients) or by the browser session cookie set by the login page, so a
browser logged in through ``/`` can use the API from the pages' JavaScript.
"""

import functools
import hmac
import secrets
import threading

from flask import current_app, g, jsonify, request, session

# username -> (password, role)
USERS = {
    "siteadmin": ("siteadmin", "admin"),
    "editor": ("editor", "editor"),
    "reader": ("reader", "reader"),
}

# roles allowed to create and delete items
WRITER_ROLES = {"admin", "editor"}


def check_credentials(username, password):
    """True when the username exists and the password matches."""
    user = USERS.get(username or "")
    if user is None:
        return False
    return hmac.compare_digest(user[0].encode(), (password or "").encode())


def role_of(username):
    return USERS[username][1]


class TokenStore:
    """In-memory API tokens of one app instance (thread safe)."""

    def __init__(self):
        self._tokens = {}
        self._lock = threading.Lock()

    def issue(self, username):
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = username
        return token

    def username(self, token):
        with self._lock:
            return self._tokens.get(token)

    def revoke(self, token):
        with self._lock:
            return self._tokens.pop(token, None) is not None


def tokens():
    return current_app.extensions["demo"].tokens


def bearer_token():
    """The token of the Authorization header, '' if the header is not Bearer."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def authenticate():
    """Return (username, error message); exactly one of them is None."""
    if "Authorization" in request.headers:
        # an explicit header decides alone, so a bad token is never hidden
        # behind a valid session cookie
        username = tokens().username(bearer_token())
        return (username, None) if username else (None, "invalid token")
    username = session.get("username")
    if username in USERS:
        return username, None
    return None, "authentication required"


def unauthorized(message):
    response = jsonify(error=message)
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="demo"'
    return response


def login_required(roles=None):
    """Decorator for API views: sets ``g.username`` or answers 401/403."""
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            username, error = authenticate()
            if error:
                return unauthorized(error)
            if roles and role_of(username) not in roles:
                return jsonify(error="forbidden"), 403
            g.username = username
            return view(*args, **kwargs)
        return wrapper
    return decorator
