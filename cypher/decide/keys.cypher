// Every Pix key with its holder's document: how the engine resolves a transfer's keys to accounts.
// ONE record: `keys`, a list of [chave, cpf_cnpj] (read much faster than a record per key).
MATCH (k:PixKey)-[:REGISTERED_TO]->(h:Holder)
RETURN collect([k.chave, h.cpf_cnpj]) AS keys
