// What the bank knows, for GNN labels (never the ground-truth file): the receiving account of
// every fraudes.csv case (via the transaction's destination key and its holder's account) with
// the case's status and detection time, plus accounts in rings investigators confirmed and
// accounts an investigator's decision confirmed (known_at may be null for those two).
CALL () {
  MATCH (f:Fraud)-[:REPORTS]->(t:Transaction)
  MATCH (t)-[:TO_KEY]->(:PixKey)-[:REGISTERED_TO]->(:Holder)<-[:HELD_BY]-(a:Account)
  RETURN a.id_usuario AS id_usuario, 'fraud' AS source, f.status AS status,
         datetime({datetime: f.data_deteccao, timezone: 'UTC'}).epochSeconds AS known_at
  UNION ALL
  MATCH (r:Ring)<-[:MEMBER_OF]-(a:Account)
  WHERE r.status = 'confirmed'
  RETURN a.id_usuario AS id_usuario, 'ring' AS source, 'confirmed' AS status,
         coalesce(r.confirmed_at, r.updated_at, r.created_at) AS known_at
  UNION ALL
  MATCH (d:Decision)
  WHERE d.target_type = 'account' AND d.decision = 'confirm'
  RETURN d.target_id AS id_usuario, 'decision' AS source, 'confirmed' AS status,
         coalesce(d.decided_at, d.created_at, d.timestamp) AS known_at
}
RETURN id_usuario, source, status, known_at
