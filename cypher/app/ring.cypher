// One ring with everything the detectors stored about it (score, status, reasons, ...).
// @param ring_id: string, the ring's id (example: R0001)
MATCH (r:Ring {ring_id: $ring_id})
RETURN properties(r) AS ring, COUNT { (r)<-[:MEMBER_OF]-(:Account) } AS members
