// Build the USED_DEVICE summaries of a page of accounts from their logins, for a graph loaded
// before the loaders kept them (`ringwatch graph migrate`). Each account's summaries are set
// whole from all its logins, not incremented, so a page done twice gives the same graph.
// Returns the page's last account id ('' after the last page), its accounts, and the
// relationships written.
// @param after: string, the last account id of the previous page ('' for the first) (example: U0000001)
// @param page: integer, most accounts in the page (example: 20000)
MATCH (a:Account)
WHERE a.id_usuario > $after
WITH a ORDER BY a.id_usuario LIMIT $page
CALL (a) {
  MATCH (a)<-[:BY]-(l:Login)-[:ON_DEVICE]->(d:Device)
  WITH d, min(l.timestamp) AS first_seen, max(l.timestamp) AS last_seen,
       min(CASE WHEN l.status = 'sucesso' THEN l.timestamp END) AS first_ok,
       count(l) AS logins, sum(CASE WHEN l.status = 'falha' THEN 1 ELSE 0 END) AS failed
  MERGE (a)-[u:USED_DEVICE]->(d)
  SET u.first_seen = first_seen, u.last_seen = last_seen, u.first_ok = first_ok,
      u.logins = logins, u.failed = failed
  RETURN count(u) AS written
}
RETURN coalesce(max(a.id_usuario), '') AS last, count(a) AS accounts, sum(written) AS written
