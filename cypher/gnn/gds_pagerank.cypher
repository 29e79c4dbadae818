// PageRank of every account over the projected graph's directed PIX relationships (money
// flows towards high scores), streamed with the account id.
// @param graph: string, name of a projected account graph with relationship type PIX (example: ringwatch-gnn)
// @param concurrency: integer, GDS threads (example: 2)
CALL gds.pageRank.stream($graph, {relationshipTypes: ['PIX'], concurrency: $concurrency})
YIELD nodeId, score
RETURN gds.util.asNode(nodeId).id_usuario AS id_usuario, score AS pagerank
