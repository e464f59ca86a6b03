"""What one input may cost: the checks that refuse a hostile or broken file before it is expanded.

They come before the parse worker's own limits (parsers.pool.Limits: time and address space per document), which
catch whatever these do not. Each bound is far above what any annual report needs; the refusal says which was hit.
"""

MAX_INPUT_BYTES = 100 * 1024 * 1024  # a fetched document
MAX_ZIP_PART_BYTES = 32 * 1024 * 1024  # one inflated zip member that is parsed (a long report's document.xml: a few MB)
MAX_SPAN = 200  # grid columns or rows one table cell may span
MAX_TABLE_CELLS = 100_000  # grid positions of one table, spans expanded (the template's largest table has ~300)
MAX_PDF_PAGES = 300
MAX_PDF_STREAM_BYTES = 32 * 1024 * 1024  # one inflated Flate stream that the parser reads (content, fonts, maps)
MAX_PDF_IMAGE_BYTES = 256 * 1024 * 1024  # one inflated image (an A4 page at 600 dpi in colour is about 100 MB)


def mib(size: int) -> str:
    return f"{size / 1024 / 1024:g} MiB"
