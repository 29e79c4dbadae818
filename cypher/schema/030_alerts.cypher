// Alerts of the decision engine: one per decided transfer, so a replay updates instead of duplicating.
CREATE CONSTRAINT alert_id IF NOT EXISTS FOR (a:Alert) REQUIRE a.alert_id IS UNIQUE;
CREATE INDEX alert_decided IF NOT EXISTS FOR (a:Alert) ON (a.decided_at);
