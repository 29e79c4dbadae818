// Account ids of GDS node ids (as streamed by a GDS algorithm); other nodes are skipped.
// @param node_ids: list, GDS node ids (example: [0, 1, 2])
UNWIND $node_ids AS node_id
WITH node_id, gds.util.asNode(node_id) AS n
WHERE n:Account
RETURN node_id, n.id_usuario AS account
