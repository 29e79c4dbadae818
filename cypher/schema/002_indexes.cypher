// Range indexes for the time windows and look-ups investigators and detectors use most.
CREATE INDEX transaction_time IF NOT EXISTS FOR (t:Transaction) ON (t.timestamp);
CREATE INDEX login_time IF NOT EXISTS FOR (l:Login) ON (l.timestamp);
CREATE INDEX account_opened IF NOT EXISTS FOR (a:Account) ON (a.data_cadastro);
CREATE INDEX holder_name IF NOT EXISTS FOR (h:Holder) ON (h.nome);
CREATE INDEX fraud_detected IF NOT EXISTS FOR (f:Fraud) ON (f.data_deteccao);
CREATE INDEX pix_time IF NOT EXISTS FOR ()-[p:PIX]-() ON (p.timestamp);
CREATE INDEX pix_transaction IF NOT EXISTS FOR ()-[p:PIX]-() ON (p.id_transacao);
