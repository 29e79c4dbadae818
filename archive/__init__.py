"""The bronze archive: every raw Kafka message of every ``pix.*`` topic in a Delta Lake
table (``archive.archiver``), and the graph rebuilt from it through the stream loader's own
decoding, validation and writes (``archive.rebuild``). See docs/archive.md."""

from archive.rebuild import RebuildReport, parse_until, rebuild

__all__ = ["RebuildReport", "parse_until", "rebuild"]
