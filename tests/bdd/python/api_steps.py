"""The items API feature with Python step definitions that run pytest-play steps."""

from pytest_bdd import given, parsers, scenarios, then, when

scenarios("../features/api.feature")


@given(parsers.parse('I am logged in to the API as "{user}"'))
def _(play, user):
    play.execute([
        {"type": "POST", "provider": "http", "url": "$api_url/login",
         "parameters": {"json": {"username": user, "password": user}},
         "expected_status": 200, "variable": "token", "jmespath": "token"},
        {"type": "store_variable", "name": "play_requests",
         "expression": "{'parameters': {'headers': {'Authorization': 'Bearer ' + token}}}"},
    ])


@when(parsers.parse('I create an item named "{name}"'))
def _(play, name):
    play.execute_raw("""
- type: POST
  provider: http
  url: $api_url/items
  parameters: {json: {name: $name}}
  expected_status: 202
  variable: item_id
  jmespath: id
- type: wait_until
  expression: item_status == 200
  timeout: 10
  poll: 0.2
  sub_commands:
    - {type: GET, provider: http, url: $api_url/items/$item_id,
       variable: item_status, variable_expression: response.status_code}
""", {"name": name})


@then(parsers.parse('the item is listed with owner "{owner}"'))
def _(play, owner):
    play.execute([
        {"type": "GET", "provider": "http", "url": "$api_url/items/$item_id", "expected_status": 200,
         "expected_json": {"id": "$item_id", "name": "$name", "owner": owner}},
        {"type": "DELETE", "provider": "http", "url": "$api_url/items/$item_id", "expected_status": 204},
    ])


@when(parsers.parse('I call "{path}" without a token'))
def _(play, path):
    play.execute([{"type": "GET", "provider": "http", "url": "$api_url" + path,
                   "variable": "status", "variable_expression": "response.status_code"}])


@then(parsers.parse("the answer is {status_code:d}"))
def _(play, status_code):
    assert play.variables["status"] == status_code
