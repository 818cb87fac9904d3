"""Demo web application used as the system under test of pytest-play, plus
launchers of real PostgreSQL and Mosquitto servers and pytest fixtures.

See ``demo_app/README.md`` for the pages, the API and the users.
"""

from .app import create_app, shutdown_app

__all__ = ["DemoServer", "create_app", "shutdown_app"]


def __getattr__(name):
    # imported lazily so that ``python -m demo_app.server`` runs cleanly
    if name == "DemoServer":
        from .server import DemoServer
        return DemoServer
    raise AttributeError(name)
