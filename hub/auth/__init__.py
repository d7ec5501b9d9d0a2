"""Users (advisors, supervisors, admins), teams, API tokens and access gates."""
