"""Read-only, paged queries for the pages and the API.

Every list a screen or a response shows is filtered, sorted, counted and paged by the
database, reading only what one page holds; nothing here loads every order or case of
a business. Each query takes the session and the picture id, like the repositories,
and never writes.

| module | reads |
|---|---|
| ``paging`` | ``PageRequest``, ``Page`` and the SQL pieces the queries share |
| ``orders`` | open orders (``open_orders``, ``open_order``, ``customer_known``) |
| ``cases`` | the case queue (``list_cases``, ``count_cases``, ``case_facets``), one case and a page of its timeline (``get_case``), the cases naming an order (``cases_naming``) |
| ``incidents`` | cases grouped by root cause, ranked and paged (``list_incidents``, ``count_incidents``) |
| ``overview`` | the overview's counts and sums (``active_case_counts``, ``order_status_counts``) |
| ``memory`` | the answers that read every active case, remembered until the cases change |
"""

from controltower.storage.queries.cases import (
    CaseFacets,
    CaseFilters,
    CaseSort,
    CaseWithTimeline,
    case_facets,
    cases_naming,
    count_cases,
    get_case,
    list_cases,
)
from controltower.storage.queries.incidents import (
    IncidentFilters,
    IncidentGroup,
    IncidentMember,
    count_incidents,
    list_incidents,
)
from controltower.storage.queries.memory import forget_remembered
from controltower.storage.queries.orders import (
    OrderFilters,
    OrderSort,
    customer_known,
    open_order,
    open_orders,
)
from controltower.storage.queries.overview import (
    CaseCounts,
    StatusCount,
    active_case_counts,
    order_status_counts,
)
from controltower.storage.queries.paging import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    PageRequest,
    PageRequestError,
)

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "CaseCounts",
    "CaseFacets",
    "CaseFilters",
    "CaseSort",
    "CaseWithTimeline",
    "IncidentFilters",
    "IncidentGroup",
    "IncidentMember",
    "OrderFilters",
    "OrderSort",
    "Page",
    "PageRequest",
    "PageRequestError",
    "StatusCount",
    "active_case_counts",
    "case_facets",
    "cases_naming",
    "count_cases",
    "count_incidents",
    "customer_known",
    "forget_remembered",
    "get_case",
    "list_cases",
    "list_incidents",
    "open_order",
    "open_orders",
    "order_status_counts",
]
