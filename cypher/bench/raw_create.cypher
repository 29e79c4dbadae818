// Benchmark ceiling: write raw dataset rows as :BenchRaw nodes with a plain UNWIND + CREATE
// (no MERGE, no relationships, no type conversion). Only bench/ingest.py runs it.
// @param rows: list, raw rows of any dataset as maps of strings (example: [{id_transacao: 'T00000001', valor: '120.50'}])
UNWIND $rows AS r
CREATE (n:BenchRaw)
SET n = r
