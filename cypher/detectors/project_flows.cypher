// GDS Cypher projection for community detection among given accounts: their completed
// transfers in a time window, aggregated per pair and weighted by log(1 + total reais), plus
// the shared-identifier links between them (weight 2), all undirected (Leiden needs it).
// @param graph_name: string, name of the in-memory graph (example: ringwatch-flows)
// @param ids: list, the accounts to project (example: ['U0000001', 'U0000002'])
// @param links: list, pairs of account ids sharing an identifier (example: [['U0000001', 'U0000002']])
// @param since: string, start of the window, inclusive, local time (example: 2025-04-01T00:00:00)
// @param until: string, end of the window, exclusive, local time (example: 2025-07-01T00:00:00)
CALL () {
  UNWIND $ids AS id
  MATCH (s:Account {id_usuario: id})-[p:PIX]->(d:Account)
  WHERE d.id_usuario IN $ids AND p.status = 'concluida'
    AND p.timestamp >= localdatetime($since) AND p.timestamp < localdatetime($until)
  WITH s, d, log(1 + sum(p.valor)) AS weight
  RETURN s, d, weight
  UNION ALL
  UNWIND $links AS pair
  MATCH (s:Account {id_usuario: pair[0]}), (d:Account {id_usuario: pair[1]})
  RETURN s, d, 2.0 AS weight
}
RETURN gds.graph.project($graph_name, s, d, {relationshipProperties: {weight: weight}},
                         {undirectedRelationshipTypes: ['*']})
