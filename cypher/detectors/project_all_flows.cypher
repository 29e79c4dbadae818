// GDS Cypher projection of all completed transfers in a window, aggregated per account pair
// (total reais as weight), undirected: the input of the plain-Louvain baseline.
// @param graph_name: string, name of the in-memory graph (example: ringwatch-baseline)
// @param since: string, start of the window, inclusive, local time (example: 2025-04-01T00:00:00)
// @param until: string, end of the window, exclusive, local time (example: 2025-07-01T00:00:00)
MATCH (s:Account)-[p:PIX]->(d:Account)
WHERE p.status = 'concluida'
  AND p.timestamp >= localdatetime($since) AND p.timestamp < localdatetime($until)
WITH s, d, sum(p.valor) AS weight
RETURN gds.graph.project($graph_name, s, d, {relationshipProperties: {weight: weight}},
                         {undirectedRelationshipTypes: ['*']})
