// Louvain community of every account over the undirected PIX_U relationships of the
// projected graph, streamed with the account id.
// @param graph: string, name of a projected account graph with relationship type PIX_U (example: ringwatch-gnn)
// @param concurrency: integer, GDS threads (example: 2)
CALL gds.louvain.stream($graph, {relationshipTypes: ['PIX_U'], concurrency: $concurrency})
YIELD nodeId, communityId
RETURN gds.util.asNode(nodeId).id_usuario AS id_usuario, communityId AS community
