"""The offline replica of real government websites, served through an HTTP proxy on 127.0.0.1.

replica.server.ReplicaServer serves the sites (sites/), whose reports come from replica.content and are rendered by
render.py (HTML, DOCX) and attachments.py (PDF, DOC through LibreOffice); replica.catalog lists what a complete
crawl must find. `python -m replica` runs it by hand.
"""
