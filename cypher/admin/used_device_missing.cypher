// Whether the graph has logins but no USED_DEVICE summaries: it was loaded before the
// loaders kept them, and needs `ringwatch graph migrate`. The counts (the accounts' too, for
// the migration's progress) come from the count store, so this costs nothing at any size.
CALL () { MATCH (a:Account) RETURN count(a) AS accounts }
CALL () { MATCH (l:Login) RETURN count(l) AS logins }
CALL () { MATCH ()-[u:USED_DEVICE]->() RETURN count(u) AS used }
RETURN logins > 0 AND used = 0 AS missing, logins, accounts
