"""The replica server: an HTTP forward proxy on 127.0.0.1 that answers for the replica sites' real hostnames.

The crawler uses it exactly like a live crawl through a proxy: plain HTTP arrives as absolute-URI requests
(GET http://www.cqbn.gov.cn/… HTTP/1.1); HTTPS arrives as CONNECT www.hc.gov.cn:443, after which the server
terminates TLS with the replica certificate (signed by the replica CA, see tls.py) and serves the requests inside
the tunnel. Hosts that are not replicated get 502: the replica never reaches the real network.

The server serves one edition of the sites at a time (replica.editions); set_edition() switches without a restart.
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import html
import signal
import socket
import ssl
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from common.datadir import DataDir
from replica import attachments, editions, tls
from replica.sites import Resource, Site, build_sites, hostnames

CHINA_TIME = timezone(timedelta(hours=8))  # the sites' clocks: naive publication times are Beijing time
SERVICE_UNAVAILABLE = (
    b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
    b"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n"
    b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class ReplicaServer:
    """Serves every replica site through one proxy port; start() prepares the cache (attachments of every edition,
    certificates)."""

    def __init__(
        self,
        cache_dir: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        convert_documents: bool = True,  # False: no LibreOffice, PDF/DOC attachments answer 404
        verbose: bool = False,  # log every request to stderr
        edition: int = 1,  # which edition of the sites to serve (replica.editions)
    ):
        self.cache_dir = Path(cache_dir)
        self.host = host
        self.port = port
        self.convert_documents = convert_documents
        self.verbose = verbose
        self.edition = editions.checked(edition)
        self.ca_cert_path = tls.certificate_paths(self.cache_dir).ca_cert
        self.prepared: attachments.PreparedAttachments | None = None
        self.sites: dict[str, Site] = {}
        self._by_hostname: dict[str, Site] = {}
        self._editions: dict[int, dict[str, Site]] = {}  # the sites of each edition served so far, built once
        self._lock = threading.Lock()
        self._hits: list[tuple[str, str, int]] = []
        self._attempts: Counter[str] = Counter()  # requests per URL, for the 503-then-200 pages
        self._httpd: _ProxyHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.ssl_context: ssl.SSLContext | None = None

    # --- lifecycle ---

    def start(self) -> ReplicaServer:
        self.prepared = attachments.prepare(self.cache_dir, convert=self.convert_documents)
        certs = tls.ensure_certificates(self.cache_dir, hostnames())
        self.ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ssl_context.load_cert_chain(certs.server_cert, certs.server_key)
        self.set_edition(self.edition)
        self._httpd = _ProxyHTTPServer((self.host, self.port), _Handler, self)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="replica-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.close_open_connections()
        self._httpd.server_close()
        self._httpd = None

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def set_edition(self, edition: int) -> None:
        """Serve edition `edition` from the next request on. Switching back serves an edition exactly as before."""
        edition = editions.checked(edition)
        if edition not in self._editions:
            self._editions[edition] = build_sites(self.cache_dir, edition)
        sites = self._editions[edition]
        by_hostname = {name: site for site in sites.values() for name in (site.host, site.bare_host)}
        with self._lock:
            self.edition, self.sites, self._by_hostname = edition, sites, by_hostname

    @property
    def proxy_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- request log (for tests) ---

    @property
    def hits(self) -> list[tuple[str, str, int]]:
        """(method, url, status) of every request so far, oldest first (a copy)."""
        with self._lock:
            return list(self._hits)

    def reset(self) -> None:
        """Forget the request log and the per-URL attempt counts (the 503 pages fail once more)."""
        with self._lock:
            self._hits.clear()
            self._attempts.clear()

    def _log(self, method: str, url: str, status: int) -> None:
        with self._lock:
            self._hits.append((method, url, status))
        if self.verbose:
            print(f"replica: {method} {url} {status}", file=sys.stderr, flush=True)

    def _count_attempt(self, url: str) -> int:
        with self._lock:
            self._attempts[url] += 1
            return self._attempts[url]

    # --- routing ---

    def knows(self, hostname: str) -> bool:
        return hostname.lower().rstrip(".") in self._by_hostname

    def respond(self, scheme: str, hostname: str, target: str, headers=None) -> Reply:
        """The answer of the replica site `hostname` to GET `scheme://hostname target` (`headers`: the request's)."""
        hostname = hostname.lower().rstrip(".")
        site = self._by_hostname.get(hostname)
        if site is None:
            text = f"replica: {hostname} is not replicated (the replica never reaches the real network)\n"
            return Reply(502, [("Content-Type", "text/plain; charset=utf-8")], text.encode())
        if hostname != site.host or scheme != site.scheme:  # bare host, or the scheme the site does not use
            return _redirect(site.url(target))
        parts = urlsplit(target)
        path = parts.path or "/"
        resource = site.resolve(path, dict(parse_qsl(parts.query)))
        if resource is None and not path.endswith("/") and site.resolve(path + "/") is not None:
            return _redirect(site.url(path + "/"))  # a folder without its slash, as web servers answer
        if resource is None:
            resource = site.not_found
        if resource.flaky and self._count_attempt(site.url(target)) == 1:
            return Reply(503, [("Content-Type", "text/html")], SERVICE_UNAVAILABLE)
        return _reply_with(resource, headers or {})

    def index_page(self) -> bytes:
        rows = "".join(
            f"<tr><td>{html.escape(s.name)}</td><td>{s.family}</td>"
            f'<td><a href="{s.start_url}">{s.start_url}</a></td><td>{len(s.reports)}</td></tr>'
            for s in self.sites.values()
        )
        return (
            '<!DOCTYPE html><html><head><meta charset="utf-8"><title>nianbao replica</title></head><body>'
            f"<h1>nianbao replica sites (edition {self.edition})</h1>"
            f"<p>Use <code>{self.proxy_url}</code> as HTTP and HTTPS proxy and trust the CA "
            f"<code>{html.escape(str(self.ca_cert_path))}</code>.</p>"
            f"<table border='1'><tr><th>site</th><th>CMS</th><th>start URL</th><th>reports</th></tr>{rows}</table>"
            "</body></html>"
        ).encode()


def _redirect(location: str) -> Reply:
    body = f'<html><body>Moved to <a href="{html.escape(location)}">{html.escape(location)}</a></body></html>'
    return Reply(301, [("Location", location), ("Content-Type", "text/html")], body.encode())


def _reply_with(resource: Resource, request_headers) -> Reply:
    if isinstance(resource.body, Path):
        if not resource.body.exists():  # attachments are missing when the server runs without LibreOffice
            text = "replica: this attachment was not prepared (the server runs without document conversion)\n"
            return Reply(404, [("Content-Type", "text/plain; charset=utf-8")], text.encode())
        body = resource.body.read_bytes()
    else:
        body = resource.body
    headers = [("Content-Type", resource.content_type), *resource.headers]
    if resource.status == 200 and resource.modified is not None:
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        modified = resource.modified.replace(tzinfo=CHINA_TIME, microsecond=0)
        headers += [("Last-Modified", email.utils.format_datetime(modified.astimezone(UTC), usegmt=True))]
        headers += [("ETag", etag)]
        if _not_modified(request_headers, etag, modified):
            return Reply(304, headers[1:], b"")
    return Reply(resource.status, headers, body)


def _not_modified(request_headers, etag: str, modified: datetime) -> bool:
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match is not None:  # takes precedence over If-Modified-Since (RFC 9110)
        return if_none_match.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    if_modified_since = request_headers.get("If-Modified-Since")
    if if_modified_since:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        return since.tzinfo is not None and modified <= since
    return False


class _ProxyHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a crawler opens many connections at once

    def __init__(self, address, handler, replica: ReplicaServer):
        self.replica = replica
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(connection)

    def close_open_connections(self) -> None:
        """Keep-alive connections would otherwise outlive stop() and keep being served."""
        with self._connections_lock:
            for connection in self._connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def handle_error(self, request, client_address) -> None:
        if self.replica.verbose:
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, inside tunnels too
    timeout = 60  # idle keep-alive connections end eventually
    tunnel_host: str | None = None  # set when serving the requests inside a CONNECT tunnel
    server: _ProxyHTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        super().finish()

    def version_string(self) -> str:
        return "nginx"  # what the real sites' front servers say

    def log_message(self, format: str, *args) -> None:
        if self.server.replica.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_CONNECT(self) -> None:
        replica = self.server.replica
        hostname, _, _port = self.path.rpartition(":")
        if not replica.knows(hostname):
            self._send(replica.respond("https", hostname, "/"), self.path)
            self.close_connection = True
            return
        self.send_response_only(200, "Connection established")  # a bare status line, as proxies answer
        self.end_headers()
        replica._log("CONNECT", self.path, 200)
        self.close_connection = True  # the tunnel owns the socket from here on
        try:
            tunnel = replica.ssl_context.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            return  # e.g. the client does not trust the replica CA
        try:
            _TunnelHandler(tunnel, self.client_address, self.server, hostname)
        except OSError:
            pass  # the client went away mid-request
        finally:
            tunnel.close()

    def _serve(self) -> None:
        replica = self.server.replica
        if self.tunnel_host is not None:
            scheme, hostname, target = "https", self.tunnel_host, self.path
        elif self.path.startswith(("http://", "https://")):
            parts = urlsplit(self.path)
            scheme, hostname = parts.scheme, parts.hostname or ""
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        else:  # origin-form: a browser or a client that talks to the replica directly
            hostname = (self.headers.get("Host") or "").rsplit(":", 1)[0]
            scheme, target = "http", self.path
            if not replica.knows(hostname):
                self._serve_index()
                return
        if target.startswith(("http://", "https://")):  # absolute-form inside a tunnel
            parts = urlsplit(target)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        reply = replica.respond(scheme, hostname, target, self.headers)
        self._send(reply, f"{scheme}://{hostname}{target}")

    def _serve_index(self) -> None:
        replica = self.server.replica
        url = f"http://{self.headers.get('Host', '')}{self.path}"
        if urlsplit(self.path).path == "/":
            reply = Reply(200, [("Content-Type", "text/html; charset=utf-8")], replica.index_page())
        else:
            reply = Reply(404, [("Content-Type", "text/plain; charset=utf-8")], b"replica: not found\n")
        self._send(reply, url)

    def _send(self, reply: Reply, url: str) -> None:
        self.server.replica._log(self.command, url, reply.status)
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.status != 304:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD" and reply.status != 304:
            self.wfile.write(reply.body)


class _TunnelHandler(_Handler):
    """Serves the HTTP requests that arrive inside one TLS tunnel, until the client closes it."""

    def __init__(self, request, client_address, server, tunnel_host: str):
        self.tunnel_host = tunnel_host.lower()
        super().__init__(request, client_address, server)

    def do_CONNECT(self) -> None:
        self.send_error(400, "CONNECT inside a tunnel")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m replica", description="Serve the offline replica sites.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8790, help="proxy port (default 8790; 0 picks a free one)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="default: the data directory's replica-cache")
    parser.add_argument("--no-convert", action="store_true", help="skip LibreOffice (no PDF/DOC attachments)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument(
        "--edition",
        type=int,
        choices=editions.EDITIONS,
        default=1,
        help="which edition of the sites (default 1; 2: some months later, with reports changed, new and gone)",
    )
    args = parser.parse_args(argv)
    server = ReplicaServer(
        args.cache_dir or DataDir.resolve().replica_cache,
        args.host,
        args.port,
        convert_documents=not args.no_convert,
        verbose=args.verbose,
        edition=args.edition,
    )
    try:
        server.start()
    except (attachments.AttachmentError, OSError) as error:
        print(f"replica: {error}", file=sys.stderr)
        return 1
    print(f"replica: proxy {server.proxy_url}")
    print(f"replica: CA certificate {server.ca_cert_path.resolve()}")
    if server.edition != 1:
        print(f"replica: edition {server.edition} (replica/editions.py says what changed)")
    for site in server.sites.values():
        print(f"replica: {site.start_url}  {site.name} ({site.family}, {len(site.reports)} reports)")
    print("replica: Ctrl-C stops", flush=True)
    # Ctrl-C and `kill` both stop it cleanly (a shell may start background jobs with SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
