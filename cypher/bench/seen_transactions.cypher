// Which of these transactions are in the graph yet, and which already have their PIX edge
// (event-to-graph latency benchmark: bench/ingest.py polls it).
// @param ids: list, id_transacao values to look for (example: ['T00000001', 'T00000002'])
UNWIND $ids AS id
MATCH (t:Transaction {id_transacao: id})
RETURN id, NOT t:Unlinked AS linked
