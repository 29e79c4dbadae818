// Every account with its holder's document, opening date and Pix limits (the engine's state at start).
MATCH (a:Account)
OPTIONAL MATCH (a)-[:HELD_BY]->(h:Holder)
RETURN a.id_usuario AS id_usuario, h.cpf_cnpj AS cpf_cnpj, a.data_cadastro AS opened,
       a.limite_diario AS daily_limit, a.limite_por_transacao AS per_transfer_limit
