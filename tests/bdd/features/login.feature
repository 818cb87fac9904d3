# tests/bdd/features/login.feature
@login
Feature: Login
  Users of the demo site log in from its home page.

  Scenario Outline: A user logs in and sees their name
    Given the home page is open
    When I log in as "<username>" with password "<password>"
    Then my name is shown

    Examples:
      | username  | password  |
      | siteadmin | siteadmin |
      | editor    | editor    |
      | reader    | reader    |
