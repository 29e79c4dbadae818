// Set each account's Pix limits: the latest update wins (the last row of equal dates).
// Rows must name each account once (ingest.writer keeps the latest row of each): a row does
// not see what an earlier row of the same batch set.
// @param rows: list, one map per limites_transacoes row (example: [{id_usuario: 'U0000001', limite_diario: 5000.0, limite_por_transacao: 1000.0, data_atualizacao: '2025-02-01T00:00:00'}])
UNWIND $rows AS r
MERGE (a:Account {id_usuario: r.id_usuario})
WITH a, r
WHERE a.limite_atualizado IS NULL OR a.limite_atualizado <= localdatetime(r.data_atualizacao)
SET a.limite_diario = r.limite_diario, a.limite_por_transacao = r.limite_por_transacao,
    a.limite_atualizado = localdatetime(r.data_atualizacao)
