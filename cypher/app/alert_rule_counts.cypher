// How often each rule fired in the engine's alerts since a time, per decision (the app's
// Alerts page). Allow decisions are not stored, so this counts review and block alerts.
// @param since: string, ISO-8601 time: decided at or after it (example: 2026-12-01T00:00:00Z)
MATCH (al:Alert)
WHERE al.decided_at >= datetime($since)
UNWIND al.rules AS rule
RETURN rule, al.decision AS decision, count(*) AS alerts
ORDER BY alerts DESC, rule
