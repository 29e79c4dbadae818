// What the bank knows, for GNN labels (never the ground-truth file), each with the time the
// bank knew it (epoch seconds on the graph's clock: wall time in $time_zone, read as UTC):
// - the receiving account (transaction -> destination key -> holder -> account) of every
//   fraudes.csv case, with the case's status and its data_deteccao;
// - investigators' decisions, the app's (:Decision {target_type, target_id, decision, at})
//   nodes, `at` being a timezone-aware datetime. A target's label is its latest decision;
//   when that is a confirmation, it is known from the first confirmation since the target's
//   last other decision. A ring's decision labels the members it had when it was decided
//   (`members`, recorded with the decision), or its current members for a decision recorded
//   before the app stored them.
// Rings' status and status_at are copies of their latest decision and are not read here.
// @param time_zone: string, the zone of the graph's wall-clock times (example: America/Sao_Paulo)
CALL () {
  MATCH (f:Fraud)-[:REPORTS]->(t:Transaction)
  MATCH (t)-[:TO_KEY]->(:PixKey)-[:REGISTERED_TO]->(:Holder)<-[:HELD_BY]-(a:Account)
  RETURN a.id_usuario AS id_usuario, 'fraud' AS source, f.status AS status,
         datetime({datetime: f.data_deteccao, timezone: 'UTC'}).epochSeconds AS known_at
  UNION ALL
  MATCH (d:Decision)
  WHERE d.target_type IN ['ring', 'account'] AND d.at IS NOT NULL
  WITH d ORDER BY d.at
  WITH d.target_type AS kind, d.target_id AS target, collect(d) AS history
  WHERE last(history).decision = 'confirm'
  WITH kind, target, history,
       [i IN range(0, size(history) - 1) WHERE history[i].decision <> 'confirm'] AS others
  WITH kind, target,
       history[CASE size(others) WHEN 0 THEN 0 ELSE last(others) + 1 END] AS first
  WITH kind, first,
       CASE kind
         WHEN 'account' THEN [target]
         ELSE coalesce(first.members,
                       COLLECT { MATCH (:Ring {ring_id: target})<-[:MEMBER_OF]-(a:Account)
                                 RETURN a.id_usuario })
       END AS accounts
  UNWIND accounts AS id
  RETURN id AS id_usuario, CASE kind WHEN 'ring' THEN 'ring' ELSE 'decision' END AS source,
         'confirmed' AS status,
         datetime({datetime: localdatetime({datetime: datetime({datetime: first.at,
                   timezone: $time_zone})}), timezone: 'UTC'}).epochSeconds AS known_at
}
RETURN id_usuario, source, status, known_at
