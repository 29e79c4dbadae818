// Node counts per label and relationship counts per type: the benchmark checks that its graph
// ceiling built the same graph as the loaders.
CALL () {
  MATCH (n) UNWIND labels(n) AS label
  RETURN 'nodes:' + label AS item, count(*) AS value
  UNION ALL
  MATCH ()-[r]->() RETURN 'rels:' + type(r) AS item, count(*) AS value
}
RETURN item, value ORDER BY item
