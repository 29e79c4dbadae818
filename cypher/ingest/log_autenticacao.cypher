// Insert login events: who logged in, on which device, from which IP (when the log has one).
// A login is an immutable event written in one transaction with its relationships, so a
// login already in the graph is skipped whole (a re-delivered message changes nothing) and
// the relationships of a new one are CREATEd, not MERGEd. The uniqueness constraint on
// Login.id_log still guards against two writers racing on the same id (one of them fails
// and retries). Rows must have distinct id_log values (ingest.writer de-duplicates).
// Each new login also updates its account's USED_DEVICE relationship to the device: first
// and last login, first successful login, logins and failed logins. Readers that need only
// who used which device read these instead of walking every login. The increments read the
// property they write, so Neo4j locks the relationship first and two loaders lose no count.
// @param rows: list, one map per log_autenticacao row (example: [{id_log: 'L00000001', id_usuario: 'U0000001', timestamp: '2025-03-01T09:15:00', tipo_autenticacao: 'senha', status: 'sucesso', id_dispositivo: 'D0000001', ip: '10.1.2.3'}])
UNWIND $rows AS r
WITH r WHERE NOT EXISTS { MATCH (:Login {id_log: r.id_log}) }
CREATE (l:Login {id_log: r.id_log, timestamp: localdatetime(r.timestamp),
                 tipo: r.tipo_autenticacao, status: r.status})
MERGE (a:Account {id_usuario: r.id_usuario})
CREATE (l)-[:BY]->(a)
MERGE (d:Device {id_dispositivo: r.id_dispositivo})
CREATE (l)-[:ON_DEVICE]->(d)
MERGE (a)-[u:USED_DEVICE]->(d)
SET u.logins = coalesce(u.logins, 0) + 1,
    u.failed = coalesce(u.failed, 0) + CASE WHEN l.status = 'falha' THEN 1 ELSE 0 END,
    u.first_seen = CASE WHEN u.first_seen IS NULL OR l.timestamp < u.first_seen
                        THEN l.timestamp ELSE u.first_seen END,
    u.last_seen = CASE WHEN u.last_seen IS NULL OR l.timestamp > u.last_seen
                       THEN l.timestamp ELSE u.last_seen END,
    u.first_ok = CASE WHEN l.status = 'sucesso' AND (u.first_ok IS NULL OR l.timestamp < u.first_ok)
                      THEN l.timestamp ELSE u.first_ok END
FOREACH (_ IN CASE WHEN r.ip IS NULL THEN [] ELSE [1] END |
  MERGE (i:IP {address: r.ip}) CREATE (l)-[:FROM_IP]->(i))
