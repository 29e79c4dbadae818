// Rings an earlier run stored that this run no longer finds (part of the same write
// transaction): undecided ('open') rings are deleted; decided ones are kept, marked as not
// current, so decisions and their history stay.
// @param ring_ids: list, ids of the rings no longer found (example: ['R000007'])
UNWIND $ring_ids AS rid
MATCH (g:Ring {ring_id: rid})
WITH g, coalesce(g.status, 'open') = 'open' AS undecided
SET g.current = false
WITH g WHERE undecided AND NOT EXISTS { (g)<-[:ABOUT]-(:Decision) }
DETACH DELETE g
RETURN count(*) AS deleted
