// Store the rings of a run (part of one write transaction): create or update each Ring,
// keeping a status an investigator already decided, then replace its memberships.
// @param rings: list, one map per ring (example: [{ring_id: 'R000001', kind: 'ring', score: 0.8, reasons: ['...'], typology_guess: 'fan_in', first_seen: '2025-04-02T10:00:00', last_seen: '2025-04-03T10:00:00', size: 5, total_amount: 1234.5, members: ['U0000001']}])
// @param run_id: string, the run writing them (example: RUN-20250601T120000-1a2b3c)
UNWIND $rings AS r
MERGE (g:Ring {ring_id: r.ring_id})
ON CREATE SET g.created = datetime(), g.created_run = $run_id
SET g.kind = r.kind, g.score = r.score, g.reasons = r.reasons,
    g.typology_guess = r.typology_guess, g.size = r.size, g.total_amount = r.total_amount,
    g.first_seen = localdatetime(r.first_seen), g.last_seen = localdatetime(r.last_seen),
    g.status = coalesce(g.status, 'open'), g.run_id = $run_id, g.updated = datetime(),
    g.current = true
WITH g, r
CALL (g) {
  MATCH (g)<-[m:MEMBER_OF]-()
  DELETE m
}
CALL (g, r) {
  UNWIND r.members AS id
  MATCH (a:Account {id_usuario: id})
  CREATE (a)-[:MEMBER_OF]->(g)
}
RETURN count(g) AS written
