// Every account with its holder's document, opening date and Pix limits (the engine's state at
// start), as ONE record: `accounts`, a list of [id_usuario, cpf_cnpj, opened, daily_limit,
// per_transfer_limit], opened as ISO text. The Python driver reads one record of lists several
// times faster than a record per account, and text faster than temporal values.
MATCH (a:Account)
OPTIONAL MATCH (a)-[:HELD_BY]->(h:Holder)
RETURN collect([a.id_usuario, h.cpf_cnpj, toString(a.data_cadastro), a.limite_diario,
                a.limite_por_transacao]) AS accounts
