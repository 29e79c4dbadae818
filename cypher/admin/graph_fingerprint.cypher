// A fingerprint of the loaded graph: node counts per label, relationship counts per type and
// the amount sums, and the sums of the USED_DEVICE login summaries (counts, and times as
// epoch seconds), to compare two loads (bulk vs stream, before vs after a crash).
CALL () {
  MATCH (n) UNWIND labels(n) AS label
  RETURN 'nodes:' + label AS item, count(*) AS value
  UNION ALL
  MATCH ()-[r]->() RETURN 'rels:' + type(r) AS item, count(*) AS value
  UNION ALL
  MATCH (t:Transaction) RETURN 'sum:transaction_valor' AS item, round(sum(t.valor), 2) AS value
  UNION ALL
  MATCH ()-[p:PIX]->() RETURN 'sum:pix_valor' AS item, round(sum(p.valor), 2) AS value
  UNION ALL
  MATCH ()-[u:USED_DEVICE]->()
  UNWIND [['logins', u.logins], ['failed', u.failed],
          ['first_seen', datetime({datetime: u.first_seen, timezone: 'UTC'}).epochSeconds],
          ['last_seen', datetime({datetime: u.last_seen, timezone: 'UTC'}).epochSeconds],
          ['first_ok', datetime({datetime: u.first_ok, timezone: 'UTC'}).epochSeconds]] AS part
  RETURN 'sum:used_device_' + part[0] AS item, sum(part[1]) AS value
}
RETURN item, value ORDER BY item
