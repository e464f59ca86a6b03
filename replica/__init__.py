"""The offline replica of real government websites, served through an HTTP proxy on 127.0.0.1.

replica.server.ReplicaServer serves the sites (sites/), whose reports come from replica.content (the real ones from
replica.seeds: their text and gold cells in content/, never the parser) and are rendered by render.py (HTML, DOCX)
and attachments.py (PDF, DOC through LibreOffice); replica.catalog lists what a complete crawl must find.
replica.editions makes edition 2, the same sites some months later (reports changed, new, gone, redesigned), which
the server switches to at run time for re-crawls.

The replica is part of the repository, not of the installed nianbao package: it runs from a clone (`make demo`,
`make test`, `python -m replica`).
"""
