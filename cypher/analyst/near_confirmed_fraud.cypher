// Accounts within k PIX hops (either direction) of an account that received money in a
// confirmed fraud case, with the distance to the nearest one.
// @param max_hops: integer, largest distance, 1 to 3 (example: 2)
// @param limit: integer, most rows returned (example: 100)
MATCH (f:Fraud {status: 'confirmada'})-[:REPORTS]->(t:Transaction)
MATCH (:Account)-[:PIX {id_transacao: t.id_transacao}]->(victim_receiver:Account)
WITH DISTINCT victim_receiver
MATCH p = (victim_receiver)-[:PIX]-{1,3}(near:Account)
WHERE length(p) <= $max_hops AND near <> victim_receiver
WITH near, min(length(p)) AS distance, collect(DISTINCT victim_receiver.id_usuario)[..5] AS via
RETURN near.id_usuario AS account, distance, via
ORDER BY distance, account
LIMIT $limit
