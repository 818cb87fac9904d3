@api
Feature: Items API
  The JSON API of the demo app: token login, asynchronous item creation.

  Scenario: An editor creates an item and finds it listed
    Given I am logged in to the API as "editor"
    When I create an item named "pencil"
    Then the item is listed with owner "editor"

  @security
  Scenario: The API refuses a call without a token
    When I call "/me" without a token
    Then the answer is 401
