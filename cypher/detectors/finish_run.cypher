// Close a DetectionRun record: end time, outcome ('succeeded' or 'failed'), counts and error.
// @param run_id: string, the run (example: RUN-20250601T120000-1a2b3c)
// @param outcome: string, succeeded or failed (example: succeeded)
// @param counts: string, what the run found, as JSON (example: {"rings": 12})
// @param error: string, why it failed; empty when it succeeded (example: Neo4j is not reachable)
// @param last_ring: integer, highest ring number handed out so far (example: 120)
// @param last_linked: integer, highest linked-cluster number handed out so far (example: 30)
MATCH (r:DetectionRun {run_id: $run_id})
SET r.ended = datetime(), r.outcome = $outcome, r.counts = $counts,
    r.error = CASE WHEN $error = '' THEN null ELSE $error END,
    r.last_ring = $last_ring, r.last_linked = $last_linked
RETURN r.run_id AS run_id
