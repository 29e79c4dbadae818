"""The REST API (`ringwatch api`): the decision engine, alerts, rings and accounts over HTTP
for the systems and people who do not use the app (issue 12)."""
