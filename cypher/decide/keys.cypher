// Every Pix key with its holder's document: how the engine resolves a transfer's keys to accounts.
MATCH (k:PixKey)-[:REGISTERED_TO]->(h:Holder)
RETURN k.chave AS chave, h.cpf_cnpj AS cpf_cnpj
