"""ringwatch's data: the file contract (`data.schema`), the synthetic Pix world generator
(`data.generator`, `ringwatch generate`) and the committed fixtures (`data/fixtures/`)."""
