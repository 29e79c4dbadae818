// Takeover logins: a successful login on a device the account had never logged in from
// successfully before (while it had logged in elsewhere more than a day earlier), preceded
// within a day by failed logins. One row per account: most
// failures before such a login, and the time of the first such login.
// The loaders' USED_DEVICE summaries find the candidates without reading a login: accounts
// with at least $min_failures failed logins in all, and, per device, its first successful
// login when the account's first successful login anywhere came more than a day before.
// Only those candidates' failed logins are read.
// @param min_failures: integer, least failed logins before the new-device login (example: 2)
MATCH (a:Account)-[u:USED_DEVICE]->(:Device)
WITH a, sum(u.failed) AS total_failures, min(u.first_ok) AS first_ok_anywhere,
     collect(u.first_ok) AS first_oks
WHERE total_failures >= $min_failures
UNWIND first_oks AS first_ok
WITH a, first_ok WHERE first_ok_anywhere < first_ok - duration({hours: 24})
CALL (a, first_ok) {
  MATCH (a)<-[:BY]-(bad:Login {status: 'falha'})
  WHERE first_ok - duration({hours: 24}) <= bad.timestamp < first_ok
  RETURN count(bad) AS failures
}
WITH a, first_ok, failures WHERE failures >= $min_failures
RETURN a.id_usuario AS account, max(failures) AS failures,
       toString(min(first_ok)) AS new_device_at
