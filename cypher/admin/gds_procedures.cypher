// How many GDS procedures and functions the server offers (a quick health check).
CALL gds.list() YIELD name
RETURN count(name) AS procedures
