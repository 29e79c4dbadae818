// What tells the engine its cached rings, scores and fraud cases are stale: the last finished
// detection run, and how many decisions and fraud records exist.
OPTIONAL MATCH (r:DetectionRun)
WHERE r.outcome = 'succeeded'
WITH max(r.ended) AS last_run
RETURN toString(last_run) AS last_run, COUNT { (:Decision) } AS decisions,
       COUNT { (:Fraud) } AS frauds
