// Louvain community of every account in an in-memory projection of the PIX graph (undirected),
// as one record of parallel lists: the account id and its community id.
// @param graph_name: string, the in-memory graph (example: ringwatch-gnn-features-0a1b2c3d)
// @param concurrency: integer, GDS threads (example: 2)
CALL gds.louvain.stream($graph_name, {relationshipTypes: ['PIX_U'], concurrency: $concurrency})
YIELD nodeId, communityId
RETURN collect(gds.util.asNode(nodeId).id_usuario) AS id_usuario,
       collect(communityId) AS community
