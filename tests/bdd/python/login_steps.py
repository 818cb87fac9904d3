# tests/bdd/python/login_steps.py
"""The login feature with Python step definitions that run pytest-play steps."""

from pytest_bdd import given, parsers, scenarios, then, when

scenarios("../features/login.feature")

LOG_IN = """
- comment: the login form only appears in a modal after this click
  type: clickElement
  locator: {type: css, value: "#personaltools-login"}
- type: setElementText
  locator: {type: css, value: "#__ac_name"}
  text: $username
- type: setElementText
  locator: {type: css, value: "#__ac_password"}
  text: $password
- type: clickElement
  locator: {type: css, value: ".pattern-modal-buttons > input[name=submit]"}
"""


@given("the home page is open")
def _(play):
    play.execute([{"type": "get", "url": "$base_url"}])


@when(parsers.parse('I log in as "{username}" with password "{password}"'))
def _(play, username, password):
    play.execute_raw(LOG_IN, {"username": username, "password": password})


@then("my name is shown")
def _(play):
    # $username is still the one of the step before
    play.execute([{"type": "verifyText", "locator": {"type": "css", "value": ".icon-user"}, "text": "^$username$"}])
    assert play.variables["username"] in ("siteadmin", "editor", "reader")
