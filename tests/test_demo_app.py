"""Tests of the demo app, its server runner and the service launchers, all
against real servers: HTTP with requests, MQTT with paho, websockets with
websocket-client, PostgreSQL with SQLAlchemy."""

import json
import shutil
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
import requests
import sqlalchemy as sa
import websocket

from demo_app.server import DemoServer
from demo_app.services import port_open

TIMEOUT = 10


def wait_for(check, timeout=TIMEOUT, interval=0.05):
    """Poll ``check()`` until it returns something truthy; return it."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


def login(server, username="siteadmin", password=None):
    response = requests.post(
        server.url + "/api/login",
        json={"username": username, "password": password or username},
        timeout=TIMEOUT)
    response.raise_for_status()
    return {"Authorization": "Bearer " + response.json()["token"]}


def create_item(server, headers, name):
    response = requests.post(server.url + "/api/items", json={"name": name},
                             headers=headers, timeout=TIMEOUT)
    assert response.status_code == 202
    return response.json()["id"]


def wait_for_item(server, headers, item_id):
    url = f"{server.url}/api/items/{item_id}"

    def created():
        response = requests.get(url, headers=headers, timeout=TIMEOUT)
        return response.json() if response.status_code == 200 else None
    item = wait_for(created)
    assert item, f"item {item_id} never appeared"
    return item


@pytest.fixture(scope="module")
def admin_headers(demo_server):
    return login(demo_server)


def test_health_answers_ok(demo_server):
    response = requests.get(demo_server.url + "/health", timeout=TIMEOUT)
    assert (response.status_code, response.text) == (200, "ok")


def test_login_api_gives_a_token_for_good_credentials(demo_server):
    response = requests.post(demo_server.url + "/api/login",
                             json={"username": "editor", "password": "editor"})
    assert response.status_code == 200
    assert response.json()["username"] == "editor"
    assert response.json()["token"]


def test_login_api_refuses_bad_credentials(demo_server):
    response = requests.post(demo_server.url + "/api/login",
                             json={"username": "editor", "password": "nope"})
    assert response.status_code == 401
    assert response.json() == {"error": "invalid credentials"}


def test_me_tells_who_owns_the_token(demo_server):
    headers = login(demo_server, "reader")
    response = requests.get(demo_server.url + "/api/me", headers=headers)
    assert response.json() == {"username": "reader", "role": "reader"}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
def test_me_refuses_a_missing_or_bad_token(demo_server, headers):
    response = requests.get(demo_server.url + "/api/me", headers=headers)
    assert response.status_code == 401
    assert "error" in response.json()


def test_item_creation_is_asynchronous(demo_server, admin_headers):
    item_id = create_item(demo_server, admin_headers, "first")
    url = f"{demo_server.url}/api/items/{item_id}"
    right_after = requests.get(url, headers=admin_headers)
    assert right_after.status_code == 404
    assert right_after.json() == {"error": "not found"}
    item = wait_for_item(demo_server, admin_headers, item_id)
    assert (item["name"], item["owner"]) == ("first", "siteadmin")
    listed = requests.get(demo_server.url + "/api/items", headers=admin_headers)
    assert item in listed.json()["items"]


def test_deleting_an_item_removes_it(demo_server, admin_headers):
    item_id = wait_for_item(
        demo_server, admin_headers,
        create_item(demo_server, admin_headers, "doomed"))["id"]
    url = f"{demo_server.url}/api/items/{item_id}"
    assert requests.delete(url, headers=admin_headers).status_code == 204
    assert requests.get(url, headers=admin_headers).status_code == 404
    assert requests.delete(url, headers=admin_headers).status_code == 404


def test_readers_cannot_create_items(demo_server):
    response = requests.post(demo_server.url + "/api/items", json={"name": "x"},
                             headers=login(demo_server, "reader"))
    assert response.status_code == 403


def test_pending_ids_are_not_reused_by_plain_sql_inserts(demo_server, admin_headers):
    item_id = create_item(demo_server, admin_headers, "reserved")
    engine = sa.create_engine(demo_server.database_url)
    try:
        with engine.begin() as conn:
            sql_id = conn.execute(sa.text(
                "INSERT INTO items (name, owner, created_at) "
                "VALUES ('by sql', 'dba', CURRENT_TIMESTAMP) RETURNING id"
            )).scalar_one()
    finally:
        engine.dispose()
    assert sql_id != item_id
    assert wait_for_item(demo_server, admin_headers, item_id)["name"] == "reserved"


def test_browser_login_cookie_is_accepted_by_the_api(demo_server):
    session = requests.Session()
    bad = session.post(demo_server.url + "/login",
                       json={"username": "editor", "password": "bad"})
    assert bad.status_code == 401
    good = session.post(demo_server.url + "/login",
                        json={"username": "editor", "password": "editor"})
    assert good.status_code == 200
    assert session.get(demo_server.url + "/api/items").status_code == 200
    assert '<span class="icon-user">editor</span>' in session.get(demo_server.url).text


def test_echo_endpoint_echoes_files_headers_cookies_and_args(demo_server):
    response = requests.post(
        demo_server.url + "/api/echo", params={"q": "play", "tag": ["a", "b"]},
        data={"field": "value"}, headers={"X-Play": "yes"},
        cookies={"flavour": "chocolate"},
        files={"upload": ("hello.txt", b"hello world", "text/plain")})
    echoed = response.json()
    assert echoed["method"] == "POST"
    assert echoed["args"] == {"q": "play", "tag": ["a", "b"]}
    assert echoed["form"] == {"field": "value"}
    assert echoed["headers"]["X-Play"] == "yes"
    assert echoed["cookies"] == {"flavour": "chocolate"}
    assert echoed["files"] == [{"name": "upload", "filename": "hello.txt",
                                "content": "hello world",
                                "content_type": "text/plain"}]


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_echo_endpoint_accepts_every_method_with_json(demo_server, method):
    response = requests.request(method, demo_server.url + "/api/echo",
                                json={"answer": 42})
    assert response.json()["method"] == method
    assert response.json()["json"] == {"answer": 42}


def test_basic_auth_endpoint_wants_user_and_pass(demo_server):
    url = demo_server.url + "/api/basic"
    assert requests.get(url).status_code == 401
    assert requests.get(url, auth=("user", "wrong")).status_code == 401
    assert requests.get(url, auth=("user", "pass")).json()["authenticated"]


def test_redirect_status_and_slow_endpoints(demo_server):
    redirected = requests.get(demo_server.url + "/api/redirect?x=1")
    assert redirected.history[0].status_code == 302
    assert redirected.json()["args"] == {"x": "1"}
    assert requests.get(demo_server.url + "/api/status/418").status_code == 418
    slow = requests.get(demo_server.url + "/api/slow", params={"seconds": 0.1})
    assert slow.json() == {"slept": 0.1}


def test_unknown_api_paths_answer_json_404(demo_server):
    response = requests.get(demo_server.url + "/api/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": "not found"}


@pytest.mark.parametrize("path, markers", [
    ("/", ['id="personaltools-login"', 'id="__ac_name"', 'id="__ac_password"',
           'class="pattern-modal-buttons"', 'name="submit"']),
    ("/select", ['id="city"', 'value="2">Florence', 'id="selected"']),
    ("/frame", ['<iframe id="inner" name="inner" src="/frame/inner"']),
    ("/frame/inner", ['id="inner-text">Inside the frame']),
    ("/alert", ['id="alert"', 'id="confirm"', 'id="prompt"', 'id="result"']),
    ("/window", ['id="open-window"', 'target="child"']),
    ("/window/child", ["<title>Child window</title>", 'id="child-text"']),
    ("/items", ['id="items"', 'id="new-item-name"', 'id="add-item"',
                'id="slow-button"', 'id="covered-button"', 'id="overlay"']),
    ("/readings", ['id="readings"', 'id="ws-status"']),
])
def test_pages_have_the_elements_scenarios_use(demo_server, path, markers):
    html = requests.get(demo_server.url + path).text
    for marker in markers:
        assert marker in html


def test_websocket_echo_sends_messages_back(demo_server):
    ws = websocket.create_connection(demo_server.ws_url + "/ws/echo",
                                     timeout=TIMEOUT)
    try:
        for message in ("hello", '{"a": 1}'):
            ws.send(message)
            assert ws.recv() == message
    finally:
        ws.close()


def publish(broker, topic, payload):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.connect(broker.host, broker.port)
    client.loop_start()
    try:
        client.publish(topic, payload, qos=1).wait_for_publish(TIMEOUT)
    finally:
        client.disconnect()
        client.loop_stop()


def test_mqtt_readings_are_stored_and_pushed_to_websockets(
        demo_server, mosquitto_server):
    device = "sensor-" + uuid.uuid4().hex[:6]
    ws = websocket.create_connection(demo_server.ws_url + "/ws/readings",
                                     timeout=TIMEOUT)
    try:
        publish(mosquitto_server, f"devices/{device}/readings",
                json.dumps({"value": 21.5}))
        pushed = json.loads(ws.recv())
    finally:
        ws.close()
    assert (pushed["device"], pushed["value"]) == (device, 21.5)

    def stored():
        readings = requests.get(demo_server.url + "/api/readings").json()
        return [r for r in readings["readings"] if r["device"] == device]
    assert [r["value"] for r in wait_for(stored)] == [21.5]


def test_plain_text_mqtt_payloads_are_readings_too(demo_server, mosquitto_server):
    device = "text-" + uuid.uuid4().hex[:6]
    publish(mosquitto_server, f"devices/{device}/readings", "open")

    def stored():
        readings = requests.get(demo_server.url + "/api/readings").json()
        return [r["value"] for r in readings["readings"] if r["device"] == device]
    assert wait_for(stored) == ["open"]


def test_postgres_backed_app_stores_items_in_postgresql(demo_server_postgres):
    server = demo_server_postgres
    assert server.database_url.startswith("postgresql+psycopg://")
    headers = login(server)
    item_id = create_item(server, headers, "in postgres")
    wait_for_item(server, headers, item_id)
    engine = sa.create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(sa.text(
                "SELECT name, owner FROM items WHERE id = :id"), {"id": item_id}).one()
    finally:
        engine.dispose()
    assert tuple(row) == ("in postgres", "siteadmin")


def test_demo_server_stops_cleanly(mosquitto_server):
    mqtt_settings = {"host": mosquitto_server.host, "port": mosquitto_server.port}
    with DemoServer(mqtt=mqtt_settings, create_delay=0) as server:
        ws = websocket.create_connection(server.ws_url + "/ws/echo", timeout=TIMEOUT)
        port = server.port
    # the open websocket was closed by the server on the way out
    opcode, _frame = ws.recv_data_frame(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    assert not port_open("127.0.0.1", port)


# -- the pages' JavaScript, in a real headless Chromium ------------------------

@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and chromedriver):
        pytest.skip("chromium and chromedriver are needed for browser tests")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    try:
        driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    except WebDriverException as exc:
        pytest.skip(f"cannot start chromium: {exc.msg}")
    yield driver
    driver.quit()


def css(driver, selector):
    return driver.find_elements("css selector", selector)


def wait_for_css(driver, selector, text=None):
    def found():
        elements = css(driver, selector)
        if elements and (text is None or text in elements[0].text):
            return elements[0]
        return None
    element = wait_for(found)
    assert element, f"{selector} never showed up" + (f" with {text!r}" if text else "")
    return element


def browser_login(driver, username, password):
    """The steps of the original pytest-play Plone scenario."""
    css(driver, "#personaltools-login")[0].click()
    wait_for_css(driver, "#__ac_name").send_keys(username)
    css(driver, "#__ac_password")[0].send_keys(password)
    css(driver, ".pattern-modal-buttons > input[name=submit]")[0].click()


@pytest.fixture
def page(browser, demo_server):
    """Open a page of the demo app as an anonymous visitor."""
    def open_page(path):
        browser.get(demo_server.url + "/logout")
        browser.get(demo_server.url + path)
        return browser
    return open_page


def test_login_modal_shows_the_user_after_a_delay(page):
    driver = page("/")
    assert not css(driver, "#__ac_name")  # the modal is not there before the click
    browser_login(driver, "siteadmin", "siteadmin")
    assert not css(driver, ".icon-user")  # ... and the user only after a while
    assert wait_for_css(driver, ".icon-user").text == "siteadmin"
    driver.refresh()
    assert css(driver, ".icon-user")[0].text == "siteadmin"


def test_login_modal_tells_a_wrong_password(page):
    driver = page("/")
    browser_login(driver, "siteadmin", "wrong")
    wait_for_css(driver, ".error", "Login failed")
    assert not css(driver, ".icon-user")


def test_items_page_adds_and_deletes_items(page):
    driver = page("/items")
    wait_for_css(driver, "#items-status", "Please log in")
    browser_login(driver, "editor", "editor")
    wait_for_css(driver, "#items[data-loaded]")
    name = "ui-" + uuid.uuid4().hex[:6]
    css(driver, "#new-item-name")[0].send_keys(name)
    css(driver, "#add-item")[0].click()
    wait_for_css(driver, "#add-status", "pending")
    row = wait_for(lambda: [r for r in css(driver, "#items tr[data-id]")
                            if r.find_element("css selector", ".name").text == name])
    assert row, "the new item never showed up in the table"
    item_id = row[0].get_attribute("data-id")
    row[0].find_element("css selector", "button.delete").click()
    assert wait_for(lambda: not css(driver, f"#items tr[data-id='{item_id}']"))


def test_readings_page_shows_live_mqtt_readings(page, mosquitto_server):
    driver = page("/readings")
    wait_for_css(driver, "#ws-status", "connected")
    device = "live-" + uuid.uuid4().hex[:6]
    publish(mosquitto_server, f"devices/{device}/readings", json.dumps({"value": 7}))
    reading = wait_for_css(driver, f"li.reading[data-device='{device}']")
    assert reading.text == f"{device}: 7"
