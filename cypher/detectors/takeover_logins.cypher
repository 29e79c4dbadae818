// Takeover logins: a successful login on a device the account had never logged in from
// successfully before (while it had logged in elsewhere more than a day earlier), preceded
// within a day by failed logins. One row per account: most
// failures before such a login, and the time of the first such login.
// The failed logins are read once (a few percent of all logins), their times kept per
// account; the first successful login per device comes from the loaders' USED_DEVICE
// summaries, so no successful login is read.
// @param min_failures: integer, least failed logins before the new-device login (example: 2)
MATCH (bad:Login {status: 'falha'})-[:BY]->(a:Account)
WITH a, collect(bad.timestamp) AS failed_at WHERE size(failed_at) >= $min_failures
MATCH (a)-[u:USED_DEVICE]->(:Device)
WITH a, failed_at, min(u.first_ok) AS first_ok_anywhere, collect(u.first_ok) AS first_oks
UNWIND first_oks AS first_ok
WITH a, failed_at, first_ok WHERE first_ok_anywhere < first_ok - duration({hours: 24})
WITH a, first_ok,
     size([t IN failed_at WHERE first_ok - duration({hours: 24}) <= t < first_ok]) AS failures
WHERE failures >= $min_failures
RETURN a.id_usuario AS account, max(failures) AS failures,
       toString(min(first_ok)) AS new_device_at
