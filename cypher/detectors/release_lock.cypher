// Release the detection lock if this run still holds it.
// @param lock_name: string, the lock's name (example: detection)
// @param run_id: string, the run releasing it (example: RUN-20250601T120000-1a2b3c)
MATCH (l:DetectionLock {name: $lock_name})
WHERE l.holder = $run_id
REMOVE l.holder, l.expires
RETURN count(l) AS released
