// One hop of a money trail, forward: the largest PIX transfers leaving each frontier account
// no earlier than the money reached it and at most hop_hours later (any time when since is null).
// A different question from analyst/money_trail_forward (every path out of one transaction):
// app/trail.py expands a capped frontier hop by hop, so hubs cannot blow the trail up.
// @param frontier: list, maps {id, since} of the accounts reached and when (example: [{id: 'U0000001', since: null}])
// @param hop_hours: integer, longest wait between receiving and passing on (example: 72)
// @param per_account: integer, most transfers followed out of each account (example: 5)
UNWIND $frontier AS f
MATCH (a:Account {id_usuario: f.id})-[p:PIX]->(b:Account)
WHERE f.since IS NULL
   OR (p.timestamp >= f.since AND p.timestamp <= f.since + duration({hours: $hop_hours}))
WITH a, b, p
ORDER BY p.valor DESC, p.id_transacao
WITH a, collect({p: p, b: b})[..$per_account] AS top
UNWIND top AS t
RETURN a.id_usuario AS source, t.b.id_usuario AS target, t.p.id_transacao AS id_transacao,
       t.p.timestamp AS timestamp, t.p.valor AS valor
