// Rings counted by status, kind and typology guess: the queue's headline counts and the
// choices offered by its filters.
MATCH (r:Ring)
RETURN coalesce(r.status, 'open') AS status, coalesce(r.kind, 'ring') AS kind,
       coalesce(r.typology_guess, '') AS typology, count(*) AS rings
