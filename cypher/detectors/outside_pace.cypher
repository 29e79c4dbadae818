// Each account with completed transfers inside a time window, and its pace outside it: how
// many accounts it dealt with only once in the whole history, through a transfer outside the
// window (those that paid it, those it paid), and the days it was active outside the window
// (from its first to its last completed transfer, before and after the window). When a run
// reads one window of a longer history, a burst of strangers is measured against the
// account's whole history. Accounts with nothing outside the window are left out.
// Returned as columns, one record.
// @param since: string, start of the window, inclusive, local time (example: 2025-04-01T00:00:00)
// @param until: string, end of the window, exclusive, local time (example: 2025-07-01T00:00:00)
WITH localdatetime($since) AS since, localdatetime($until) AS until
MATCH (a:Account)-[p:PIX]-(o:Account)
WHERE p.timestamp >= since AND p.timestamp < until AND p.status = 'concluida' AND a <> o
WITH DISTINCT a, since, until
MATCH (a)-[q:PIX]-(b:Account)
WHERE q.status = 'concluida' AND a <> b
WITH a, b, since, until, count(q) AS n, min(q.timestamp) AS first, max(q.timestamp) AS last,
     head(collect(q)) AS only
WITH a, since, until, min(first) AS first, max(last) AS last,
     sum(CASE WHEN n = 1 AND (only.timestamp < since OR only.timestamp >= until)
              AND endNode(only) = a THEN 1 ELSE 0 END) AS ins,
     sum(CASE WHEN n = 1 AND (only.timestamp < since OR only.timestamp >= until)
              AND startNode(only) = a THEN 1 ELSE 0 END) AS outs
WITH a, ins, outs,
     CASE WHEN first < since
          THEN duration.inSeconds(first, CASE WHEN last < since THEN last ELSE since END).seconds
          ELSE 0 END +
     CASE WHEN last >= until
          THEN duration.inSeconds(CASE WHEN first > until THEN first ELSE until END, last).seconds
          ELSE 0 END AS seconds
WHERE ins > 0 OR outs > 0 OR seconds > 0
RETURN collect(a.id_usuario) AS account, collect(ins) AS one_off_in, collect(outs) AS one_off_out,
       collect(seconds / 86400.0) AS days
