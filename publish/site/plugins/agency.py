"""Agency pages (templates/row-reports-agencies.html at /reports/agencies/{id}): the agency's key figures year by
year, its missing and late years (from coverage), and its reports."""

from typing import Any

from datasette import hookimpl
from datasette.utils import urlsafe_components

DATABASE = "reports"
TEMPLATE = "row-reports-agencies.html"

# One row per year the coverage table knows for the agency (found or missing), with the report's headline numbers
# (the 总计 column): null when blank or when no report was found. 不予公开 (refused) sums the eight denied_* rows.
YEARS_SQL = r"""
select cv.year, cv.status, cv.report_id, cv.published_on, cv.deadline, cv.days_late,
       max(case when c.table_key = 'requests' and c.row_key = 'received' then c.value end) as received,
       max(case when c.table_key = 'requests' and c.row_key = 'granted' then c.value end) as granted,
       max(case when c.table_key = 'requests' and c.row_key = 'partially_granted' then c.value end)
           as partially_granted,
       sum(case when c.table_key = 'requests' and c.row_key like 'denied\_%' escape '\' then c.value end) as refused,
       max(case when c.table_key = 'appeals' and c.row_key = 'review' then c.value end) as reviews,
       sum(case when c.table_key = 'appeals' and c.row_key in ('litigation_direct', 'litigation_after_review')
                then c.value end) as lawsuits
from coverage cv
left join cells c on c.report_id = cv.report_id and c.column_key = 'total'
where cv.agency_id = :id
group by cv.year
order by cv.year
"""
REPORTS_SQL = """
select id, year, title, published_on, parse_status, checks_failed
from reports where agency_id = :id order by year, id
"""
# (column, 中文 label, English label) of the grid's figures, in the order shown.
FIGURES = (
    ("received", "收到申请", "received"),
    ("granted", "予以公开", "granted"),
    ("partially_granted", "部分公开", "partly granted"),
    ("refused", "不予公开", "refused"),
    ("reviews", "行政复议", "reviews"),
    ("lawsuits", "行政诉讼", "lawsuits"),
)


async def agency_page(datasette: Any, agency_id: str) -> dict[str, Any]:
    db = datasette.get_database(DATABASE)
    years = [dict(r) for r in (await db.execute(YEARS_SQL, {"id": agency_id})).rows]
    reports = [dict(r) for r in (await db.execute(REPORTS_SQL, {"id": agency_id})).rows]
    return {
        "years": years,
        "reports": reports,
        "figures": FIGURES,
        "missing_years": [y["year"] for y in years if y["status"] == "missing"],
        "late_years": [(y["year"], y["days_late"]) for y in years if (y["days_late"] or 0) > 0],
    }


@hookimpl
def extra_template_vars(template: str, database: str, table: str, datasette: Any, request: Any) -> Any:
    if template != TEMPLATE or database != DATABASE or table != "agencies" or request is None:
        return {}
    agency_id = urlsafe_components(request.url_vars["pks"])[0]

    async def inner() -> dict[str, Any]:
        return {"agency_page": await agency_page(datasette, agency_id)}

    return inner
