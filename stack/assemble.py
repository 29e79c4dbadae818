"""Resolve the pinned server jars with Maven into ``var/stack/`` (cached in ``~/.m2``).

Neo4j's jars go to ``neo4j/lib``. Of the GDS modules, the ``org.neo4j.gds`` jars go to
``neo4j/plugins`` (scanned for procedures) and their third-party dependencies to ``neo4j/lib``,
except where Neo4j already ships the same library: two copies of one class on a classpath
is how a mixed install breaks, so Neo4j's copy wins.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from ringwatch.errors import RingwatchError
from stack import versions

POM_DIR = Path(__file__).resolve().parent
_JAR = re.compile(r"^(?P<ga>.+?)-(?P<version>\d[^-]*(?:-[A-Za-z0-9.]+)*)\.jar$")


def java_major_version(java: str = "java") -> int:
    """Major version of the ``java`` on PATH (or JAVA_HOME), or an error saying how to get one."""
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        raise RingwatchError(
            "Java 17 or newer is needed to run Neo4j and Kafka, and `java` was not found. "
            "Install it (Debian: apt-get install openjdk-17-jdk-headless) or set JAVA_HOME."
        ) from None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        raise RingwatchError(f"Could not read the Java version from: {out.stderr.strip()}")
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def check_tools(java: str) -> None:
    """Fail early, with the fix, when Java 17+ or Maven is missing."""
    major = java_major_version(java)
    if major < 17:
        raise RingwatchError(
            f"Java {major} found, but Neo4j 5.26 and Kafka 4 need Java 17 or newer. "
            "Install openjdk-17-jdk-headless or point JAVA_HOME at a JDK 17+."
        )
    if shutil.which("mvn") is None:
        raise RingwatchError(
            "Maven (`mvn`) is needed to fetch the pinned server jars from Maven Central. "
            "Install it (Debian: apt-get install maven)."
        )


def group_artifact(jar_name: str) -> str:
    """``org.foo.bar-1.2.jar`` (Maven's group-prefixed file name) -> ``org.foo.bar``."""
    match = _JAR.match(jar_name)
    return match.group("ga") if match else jar_name.removesuffix(".jar")


def _coordinates_of_failure(output: str) -> str:
    found = re.findall(
        r"(?:Could not find artifact|Could not resolve dependencies for[^:]*:|"
        r"The following artifacts could not be resolved:)\s*([^\s,]+)",
        output,
    )
    return ", ".join(dict.fromkeys(found))


def copy_dependencies(pom: str, out_dir: Path) -> None:
    """Run Maven's copy-dependencies for one of the stack POMs into ``out_dir``."""
    props = [f"-D{k}={v}" for k, v in versions.maven_properties().items()]
    cmd = [
        "mvn",
        "-B",
        "-q",
        "-f",
        str(POM_DIR / pom),
        *props,
        "dependency:copy-dependencies",
        f"-DoutputDirectory={out_dir}",
        "-DincludeScope=runtime",
        "-Dmdep.prependGroupId=true",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        output = proc.stdout + proc.stderr
        coords = _coordinates_of_failure(output)
        tail = "\n".join(output.strip().splitlines()[-8:])
        raise RingwatchError(
            f"Maven could not resolve the jars of {pom}"
            + (f" (artifact: {coords})" if coords else "")
            + f". Check that Maven Central is reachable. Maven said:\n{tail}"
        )


def merge_gds(gds_dir: Path, lib: Path, plugins: Path) -> list[str]:
    """Place resolved GDS jars: GDS modules to plugins, new third-party jars to lib.

    Returns the libraries skipped because Neo4j already has them.
    """
    present = {group_artifact(p.name) for p in lib.glob("*.jar")}
    skipped = []
    for jar in sorted(gds_dir.glob("*.jar")):
        ga = group_artifact(jar.name)
        if ga.startswith("org.neo4j.gds."):
            shutil.copy2(jar, plugins / jar.name)
        elif ga in present:
            skipped.append(jar.name)
        else:
            shutil.copy2(jar, lib / jar.name)
    return skipped


def stamp() -> str:
    return (
        f"neo4j={versions.NEO4J_VERSION} gds={versions.GDS_VERSION} "
        f"kafka={versions.KAFKA_VERSION} log4j={versions.LOG4J_VERSION}"
    )


def ensure_jars(stack_dir: Path, java: str, say: Callable[[str], None] = print) -> None:
    """Assemble the servers under ``stack_dir`` unless the same versions are already there."""
    marker = stack_dir / "assembled.txt"
    if marker.exists() and marker.read_text().strip() == stamp():
        return
    check_tools(java)
    stack_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=stack_dir) as tmp:
        work = Path(tmp)
        neo_lib, neo_plugins = work / "neo4j-lib", work / "neo4j-plugins"
        kafka_libs, gds = work / "kafka-libs", work / "gds"
        neo_plugins.mkdir()
        say(f"Resolving Neo4j Community {versions.NEO4J_VERSION} from Maven Central...")
        copy_dependencies("neo4j-pom.xml", neo_lib)
        say(f"Resolving Graph Data Science {versions.GDS_VERSION} (open-source modules)...")
        copy_dependencies("gds-pom.xml", gds)
        merge_gds(gds, neo_lib, neo_plugins)
        say(f"Resolving Apache Kafka {versions.KAFKA_VERSION}...")
        copy_dependencies("kafka-pom.xml", kafka_libs)
        for src, dest in (
            (neo_lib, "neo4j/lib"),
            (neo_plugins, "neo4j/plugins"),
            (kafka_libs, "kafka/libs"),
        ):
            target = stack_dir / dest
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(src), target)
    marker.write_text(stamp() + "\n")


def jar_cache_bytes(stack_dir: Path) -> int:
    """Bytes of assembled jars under ``stack_dir``."""
    return sum(p.stat().st_size for p in stack_dir.glob("*/*/*.jar"))
