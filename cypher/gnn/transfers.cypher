// The Pix transfers (PIX edges) the given accounts sent, as one record of parallel lists
// (columns travel much faster than rows), with times as epoch seconds of the Brasilia local
// time (so hour-of-day arithmetic gives local hours). Run over every account, it exports each
// transfer once. A missing text is '' and a missing amount NaN, since collect() drops nulls.
// @param ids: list, account ids (id_usuario) of the senders (example: ['U0000001', 'U0000002'])
UNWIND $ids AS id
MATCH (s:Account {id_usuario: id})-[p:PIX]->(d:Account)
WHERE p.timestamp IS NOT NULL
RETURN collect(coalesce(p.id_transacao, '')) AS id_transacao,
       collect(s.id_usuario) AS src, collect(d.id_usuario) AS dst,
       collect(coalesce(toFloat(p.valor), 0.0 / 0.0)) AS valor,
       collect(datetime({datetime: p.timestamp, timezone: 'UTC'}).epochSeconds) AS ts,
       collect(coalesce(p.status, '')) AS status
