"""Root conftest: makes the demo app fixtures (demo_server, postgres_server,
mosquitto_server, ...) available to every test of the repository."""

pytest_plugins = ["pytester", "demo_app.fixtures"]
