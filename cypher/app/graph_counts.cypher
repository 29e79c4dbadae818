// How much the graph holds: accounts, PIX transfers, rings and detection runs. The app uses it
// to tell an empty graph (run the loader) or a graph without rings (run detection) apart.
CALL () { MATCH (a:Account) RETURN 'accounts' AS item, count(a) AS count
  UNION ALL MATCH ()-[p:PIX]->() RETURN 'transfers' AS item, count(p) AS count
  UNION ALL MATCH (r:Ring) RETURN 'rings' AS item, count(r) AS count
  UNION ALL MATCH (d:DetectionRun) RETURN 'runs' AS item, count(d) AS count }
RETURN item, count
