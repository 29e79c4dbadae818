// Take the detection lock for a run, atomically: the lock node is write-locked first, then
// taken only if nobody holds it or the holder's lease expired (a crashed run). When taken,
// the run's DetectionRun record is created with outcome 'running' in the same transaction.
// @param lock_name: string, the lock's name (example: detection)
// @param run_id: string, the run taking the lock (example: RUN-20250601T120000-1a2b3c)
// @param ttl_s: integer, seconds the lease lasts (example: 3600)
// @param parameters: string, the run's settings as JSON (example: {"min_score": 0.4})
MERGE (l:DetectionLock {name: $lock_name})
SET l.touched = datetime()
WITH l, (l.holder IS NULL OR l.expires < datetime()) AS free
SET l.holder = CASE WHEN free THEN $run_id ELSE l.holder END,
    l.expires = CASE WHEN free THEN datetime() + duration({seconds: $ttl_s}) ELSE l.expires END
FOREACH (_ IN CASE WHEN free THEN [1] ELSE [] END |
  CREATE (:DetectionRun {run_id: $run_id, started: datetime(), outcome: 'running',
                         parameters: $parameters}))
RETURN free AS acquired, l.holder AS holder, toString(l.expires) AS expires
