// Account ids of GDS node ids (as streamed by a GDS algorithm), as one record of parallel
// lists (columns travel much faster than rows); other nodes, and accounts without an id, are
// skipped.
// @param node_ids: list, GDS node ids (example: [0, 1, 2])
UNWIND $node_ids AS node_id
WITH node_id, gds.util.asNode(node_id) AS n
WHERE n:Account AND n.id_usuario IS NOT NULL
RETURN collect(node_id) AS node_id, collect(n.id_usuario) AS account
