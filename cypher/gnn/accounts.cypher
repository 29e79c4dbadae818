// Static facts of the given accounts for the GNN features, as one record of parallel lists
// (columns travel much faster than rows): holder, opening time (epoch seconds of the Brasilia
// local time), daily limit, company or person, Pix keys of the holder, and other accounts
// sharing its phone or e-mail. A missing text is '' and a missing number NaN, since collect()
// drops nulls. Account.status is deliberately not exported: the bank blocks accounts of
// confirmed fraud cases, so it would leak the label.
// @param ids: list, account ids (id_usuario) to export (example: ['U0000001', 'U0000002'])
UNWIND $ids AS id
MATCH (a:Account {id_usuario: id})
OPTIONAL MATCH (a)-[:HELD_BY]->(h:Holder)
WITH a, h,
     CASE WHEN a.data_cadastro IS NULL THEN 0.0 / 0.0
          ELSE toFloat(datetime({datetime: a.data_cadastro, timezone: 'UTC'}).epochSeconds)
     END AS opened,
     CASE WHEN h IS NULL THEN 0 ELSE COUNT { (h)<-[:REGISTERED_TO]-(:PixKey) } END AS n_keys,
     COUNT { (a)-[:HAS_PHONE|HAS_EMAIL]->()<-[:HAS_PHONE|HAS_EMAIL]-(o:Account)
             WHERE o <> a } AS shared_contacts
RETURN collect(a.id_usuario) AS id_usuario,
       collect(coalesce(h.cpf_cnpj, '')) AS holder,
       collect(opened) AS opened,
       collect(coalesce(toFloat(a.limite_diario), 0.0 / 0.0)) AS daily_limit,
       collect(coalesce(h.tipo_pessoa = 'PJ', false)) AS is_company,
       collect(n_keys) AS n_keys,
       collect(shared_contacts) AS shared_contacts
