// Alerts stored for given transfers, with their ring link (tests, the rules' review).
// @param ids: list, transfer ids (example: ['T00000001'])
UNWIND $ids AS id
MATCH (al:Alert {id_transacao: id})
OPTIONAL MATCH (al)-[:ABOUT_RING]->(r:Ring)
OPTIONAL MATCH (al)-[:ON_TRANSACTION]->(t:Transaction)
RETURN al.alert_id AS alert_id, al.id_transacao AS id_transacao, al.decision AS decision,
       al.rules AS rules, al.ring_id AS ring_id, r.ring_id AS linked_ring,
       t.id_transacao AS linked_transaction
