// Every account-to-account Pix transfer (the PIX edges), in bulk, with its time as epoch
// seconds of the Brasilia local time (so hour-of-day arithmetic gives local hours).
MATCH (s:Account)-[p:PIX]->(d:Account)
RETURN p.id_transacao AS id_transacao, s.id_usuario AS src, d.id_usuario AS dst,
       p.valor AS valor, datetime({datetime: p.timestamp, timezone: 'UTC'}).epochSeconds AS ts,
       p.status AS status
