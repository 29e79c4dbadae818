// Undirected degree (distinct counterparties) of every account in an in-memory projection of
// the PIX graph, as one record of parallel lists: the account id and its degree.
// @param graph_name: string, the in-memory graph (example: ringwatch-gnn-features-0a1b2c3d)
// @param concurrency: integer, GDS threads (example: 2)
CALL gds.degree.stream($graph_name, {relationshipTypes: ['PIX_U'], concurrency: $concurrency})
YIELD nodeId, score
RETURN collect(gds.util.asNode(nodeId).id_usuario) AS id_usuario, collect(score) AS gds_degree
