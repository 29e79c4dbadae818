// One hop of a money trail, backward: the largest PIX transfers into each frontier account no
// later than it passed the money on and at most hop_hours earlier (any time when until is null).
// A different question from analyst/money_trail_backward (every path into one transaction):
// app/trail.py expands a capped frontier hop by hop, so hubs cannot blow the trail up.
// @param frontier: list, maps {id, until} of the accounts reached and when (example: [{id: 'U0000001', until: null}])
// @param hop_hours: integer, longest wait between receiving and passing on (example: 72)
// @param per_account: integer, most transfers followed into each account (example: 5)
UNWIND $frontier AS f
MATCH (a:Account {id_usuario: f.id})<-[p:PIX]-(b:Account)
WHERE f.until IS NULL
   OR (p.timestamp <= f.until AND p.timestamp >= f.until - duration({hours: $hop_hours}))
WITH a, b, p
ORDER BY p.valor DESC, p.id_transacao
WITH a, collect({p: p, b: b})[..$per_account] AS top
UNWIND top AS t
RETURN t.b.id_usuario AS source, a.id_usuario AS target, t.p.id_transacao AS id_transacao,
       t.p.timestamp AS timestamp, t.p.valor AS valor
