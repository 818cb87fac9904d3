"""JSON REST API: token login, current user, items and readings.

Items are created asynchronously: ``POST /api/items`` answers 202 with the
future id, and the row exists only ``create_delay`` seconds later.
"""

from flask import Blueprint, current_app, g, jsonify, request, url_for

from .auth import (
    WRITER_ROLES, bearer_token, check_credentials, login_required, role_of,
    tokens,
)

bp = Blueprint("api", __name__, url_prefix="/api")


def state():
    return current_app.extensions["demo"]


def request_data():
    """The JSON object of the body, else the form fields."""
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else request.form


def not_found():
    return jsonify(error="not found"), 404


@bp.post("/login")
def login():
    data = request_data()
    username, password = data.get("username"), data.get("password")
    if not check_credentials(username, password):
        return jsonify(error="invalid credentials"), 401
    return jsonify(
        token=tokens().issue(username), username=username, role=role_of(username))


@bp.post("/logout")
@login_required()
def logout():
    tokens().revoke(bearer_token())
    return "", 204


@bp.get("/me")
@login_required()
def me():
    return jsonify(username=g.username, role=role_of(g.username))


@bp.get("/items")
@login_required()
def list_items():
    return jsonify(items=state().db.list_items())


@bp.post("/items")
@login_required(WRITER_ROLES)
def create_item():
    name = request_data().get("name")
    if not isinstance(name, str) or not name.strip():
        return jsonify(error="name is required"), 400
    item_id = state().schedule_item(name.strip(), g.username)
    response = jsonify(id=item_id, status="pending")
    response.status_code = 202
    response.headers["Location"] = url_for("api.get_item", item_id=item_id)
    return response


@bp.get("/items/<int:item_id>")
@login_required()
def get_item(item_id):
    item = state().db.get_item(item_id)
    return jsonify(item) if item else not_found()


@bp.delete("/items/<int:item_id>")
@login_required(WRITER_ROLES)
def delete_item(item_id):
    if not state().db.delete_item(item_id):
        return not_found()
    return "", 204


@bp.get("/readings")
def list_readings():
    return jsonify(readings=state().db.list_readings())
