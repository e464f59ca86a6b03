"""/robots.txt: the site is not for crawlers (every page is a query; the data is downloadable whole from the export)."""

from datasette import hookimpl
from datasette.utils.asgi import Response

ROBOTS_TXT = "User-agent: *\nDisallow: /\n"


async def robots_txt() -> Response:
    return Response.text(ROBOTS_TXT)


@hookimpl
def register_routes() -> list:
    return [(r"^/robots\.txt$", robots_txt)]
