// A fingerprint of the loaded graph: node counts per label, relationship counts per type and
// the amount sums, to compare two loads (bulk vs stream, before vs after a crash).
CALL () {
  MATCH (n) UNWIND labels(n) AS label
  RETURN 'nodes:' + label AS item, count(*) AS value
  UNION ALL
  MATCH ()-[r]->() RETURN 'rels:' + type(r) AS item, count(*) AS value
  UNION ALL
  MATCH (t:Transaction) RETURN 'sum:transaction_valor' AS item, round(sum(t.valor), 2) AS value
  UNION ALL
  MATCH ()-[p:PIX]->() RETURN 'sum:pix_valor' AS item, round(sum(p.valor), 2) AS value
}
RETURN item, value ORDER BY item
