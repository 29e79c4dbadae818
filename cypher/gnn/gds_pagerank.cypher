// PageRank of every account in an in-memory projection of the PIX graph (projected by
// gnn.features.gds_features), as one record of parallel lists: the account id and its score.
// @param graph_name: string, the in-memory graph (example: ringwatch-gnn-features-0a1b2c3d)
// @param concurrency: integer, GDS threads (example: 2)
CALL gds.pageRank.stream($graph_name, {relationshipTypes: ['PIX'], concurrency: $concurrency})
YIELD nodeId, score
RETURN collect(gds.util.asNode(nodeId).id_usuario) AS id_usuario, collect(score) AS pagerank
