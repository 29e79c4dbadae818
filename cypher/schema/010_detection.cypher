// The detection lock: one node per lock name, so two schedulers cannot both take it.
CREATE CONSTRAINT detection_lock_name IF NOT EXISTS FOR (l:DetectionLock) REQUIRE l.name IS UNIQUE;
CREATE INDEX detection_run_outcome IF NOT EXISTS FOR (r:DetectionRun) ON (r.outcome);
