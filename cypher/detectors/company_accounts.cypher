// Accounts held by a company (a holder with a CNPJ, tipo_pessoa 'PJ'), as one list. A
// company meeting many new counterparties is judged against companies, a person against
// people: the detectors fit each population's pace separately.
MATCH (a:Account)-[:HELD_BY]->(:Holder {tipo_pessoa: 'PJ'})
RETURN collect(DISTINCT a.id_usuario) AS accounts
