"""Endpoints for testing an HTTP client's every feature (httpbin-like).

``/api/echo`` tells what the request carried; ``/api/basic`` wants HTTP basic
auth ``user``/``pass``; ``/api/redirect``, ``/api/status/<code>`` and
``/api/slow`` exercise redirects, status codes and timeouts.
"""

import math
import time

from flask import Blueprint, jsonify, redirect, request

bp = Blueprint("http_tools", __name__, url_prefix="/api")

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
BASIC_USER, BASIC_PASSWORD = "user", "pass"
MAX_SLEEP = 30.0


def flat(multidict):
    """One value per key as a string, repeated keys as a list."""
    return {
        key: values[0] if len(values) == 1 else values
        for key, values in multidict.to_dict(flat=False).items()
    }


def describe_files():
    return [
        {
            "name": name,
            "filename": upload.filename,
            "content": upload.read().decode("utf-8", errors="replace"),
            "content_type": upload.content_type,
        }
        for name, upload in request.files.items(multi=True)
    ]


@bp.route("/echo", methods=ALL_METHODS)
def echo():
    # parse the form first so that `data` keeps only a non-form body
    data = request.get_data(parse_form_data=True, as_text=True)
    return jsonify(
        method=request.method,
        url=request.url,
        path=request.path,
        args=flat(request.args),
        headers=dict(request.headers),
        json=request.get_json(silent=True),
        data=data,
        form=flat(request.form),
        files=describe_files(),
        cookies=request.cookies.to_dict(),
    )


@bp.route("/basic", methods=ALL_METHODS)
def basic():
    auth = request.authorization
    if auth is None or auth.type != "basic" or (
            auth.username, auth.password) != (BASIC_USER, BASIC_PASSWORD):
        response = jsonify(error="basic authentication required")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Basic realm="demo"'
        return response
    return jsonify(authenticated=True, user=auth.username)


@bp.route("/redirect", methods=ALL_METHODS)
def redirect_to_echo():
    query = request.query_string.decode()
    return redirect("/api/echo" + ("?" + query if query else ""), code=302)


@bp.route("/status/<int:code>", methods=ALL_METHODS)
def status(code):
    if not 200 <= code <= 599:
        return jsonify(error="status must be between 200 and 599"), 400
    if code in (204, 304):
        return "", code
    return jsonify(status=code), code


@bp.route("/slow", methods=ALL_METHODS)
def slow():
    try:
        seconds = float(request.args.get("seconds", 1))
        if not math.isfinite(seconds):
            raise ValueError(seconds)
    except ValueError:
        return jsonify(error="seconds must be a number"), 400
    seconds = min(max(seconds, 0.0), MAX_SLEEP)
    time.sleep(seconds)
    return jsonify(slept=seconds)
