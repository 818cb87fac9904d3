"""HTML pages: the Plone-like login, and pages exercising browser features
(select, iframe, dialogs, windows, async tables, live readings, and widgets: a
hover menu, a shadow-DOM counter, a form submitted with the Enter key)."""

from flask import (
    Blueprint, jsonify, redirect, render_template, request, session, url_for,
)

from .auth import USERS, check_credentials

bp = Blueprint("pages", __name__)

# page name -> title, for the navigation bar of every page
PAGES = {
    "home": "Home", "select": "Select", "frame": "Frame", "alert": "Dialogs",
    "window": "Window", "items": "Items", "readings": "Readings", "widgets": "Widgets",
}


def current_user():
    username = session.get("username")
    return username if username in USERS else None


def render(template, **context):
    return render_template(template, user=current_user(), pages=PAGES, **context)


@bp.get("/")
def home():
    return render("home.html")


@bp.post("/login")
def login():
    """Browser login: JSON from the page's script, or a plain form post."""
    data = request.get_json(silent=True)
    if isinstance(data, dict):
        username, password = data.get("username"), data.get("password")
    else:
        username = request.form.get("__ac_name")
        password = request.form.get("__ac_password")
    ok = check_credentials(username, password)
    if ok:
        session["username"] = username
    if isinstance(data, dict):
        return (jsonify(username=username), 200) if ok else (
            jsonify(error="Login failed"), 401)
    if ok:
        return redirect(url_for("pages.home"))
    return render("home.html", login_error="Login failed"), 401


@bp.get("/logout")
def logout():
    session.pop("username", None)
    return redirect(url_for("pages.home"))


@bp.get("/health")
def health():
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/select")
def select():
    cities = [("1", "Turin"), ("2", "Florence"), ("3", "Milan")]
    return render("select.html", cities=cities)


@bp.get("/frame")
def frame():
    return render("frame.html")


@bp.get("/frame/inner")
def frame_inner():
    return render_template("frame_inner.html")


@bp.get("/alert")
def alert():
    return render("alert.html")


@bp.get("/window")
def window():
    return render("window.html")


@bp.get("/window/child")
def window_child():
    return render_template("window_child.html")


@bp.get("/items")
def items():
    return render("items.html")


@bp.get("/readings")
def readings():
    return render("readings.html")


@bp.get("/widgets")
def widgets():
    return render("widgets.html")
