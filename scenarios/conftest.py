"""Point the example scenarios at the bundled demo app when `envs/local.yml` asks for it.

`envs/local.yml` sets `demo_app: true`; this conftest then starts the demo app
(and, when Mosquitto is installed, a broker) on free loopback ports and adds
their addresses to the variables. Real environments (DEV, ALPHA) leave
`demo_app` out and name their own URLs.
"""

import pytest


@pytest.fixture(scope="session")
def variables(variables, request):
    if not variables.get("demo_app"):
        return variables
    server = request.getfixturevalue("demo_server")
    local = {
        "base_url": server.url,
        "api_url": f"{server.url}/api",
        "ws_url": server.ws_url,
        "database_url": server.database_url,
    }
    if server.mqtt:
        local.update(mqtt_host=server.mqtt["host"], mqtt_port=server.mqtt["port"])
    return {**variables, **local}
