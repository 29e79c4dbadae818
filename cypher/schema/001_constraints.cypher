// Uniqueness constraints on the natural ids of every entity. Loaders MERGE on these ids,
// so the constraints are what makes loading (and re-loading) idempotent and fast.
CREATE CONSTRAINT account_id IF NOT EXISTS FOR (a:Account) REQUIRE a.id_usuario IS UNIQUE;
CREATE CONSTRAINT holder_doc IF NOT EXISTS FOR (h:Holder) REQUIRE h.cpf_cnpj IS UNIQUE;
CREATE CONSTRAINT pixkey_key IF NOT EXISTS FOR (k:PixKey) REQUIRE k.chave IS UNIQUE;
CREATE CONSTRAINT device_id IF NOT EXISTS FOR (d:Device) REQUIRE d.id_dispositivo IS UNIQUE;
CREATE CONSTRAINT ip_address IF NOT EXISTS FOR (i:IP) REQUIRE i.address IS UNIQUE;
CREATE CONSTRAINT transaction_id IF NOT EXISTS FOR (t:Transaction) REQUIRE t.id_transacao IS UNIQUE;
CREATE CONSTRAINT login_id IF NOT EXISTS FOR (l:Login) REQUIRE l.id_log IS UNIQUE;
CREATE CONSTRAINT fraud_id IF NOT EXISTS FOR (f:Fraud) REQUIRE f.id_fraude IS UNIQUE;
CREATE CONSTRAINT ring_id IF NOT EXISTS FOR (r:Ring) REQUIRE r.ring_id IS UNIQUE;
CREATE CONSTRAINT run_id IF NOT EXISTS FOR (r:DetectionRun) REQUIRE r.run_id IS UNIQUE;
CREATE CONSTRAINT decision_id IF NOT EXISTS FOR (d:Decision) REQUIRE d.decision_id IS UNIQUE;
CREATE CONSTRAINT phone_number IF NOT EXISTS FOR (p:Phone) REQUIRE p.number IS UNIQUE;
CREATE CONSTRAINT email_address IF NOT EXISTS FOR (e:Email) REQUIRE e.address IS UNIQUE;
