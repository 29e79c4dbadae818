// The Graph Data Science library version and the Neo4j kernel version.
CALL dbms.components() YIELD name, versions, edition
WHERE name = 'Neo4j Kernel'
RETURN gds.version() AS gds, versions[0] AS neo4j, edition
